# A unittest summary wins over the .exp: the .exp next to this test does not
# match, yet the verdict is pass.
print('case_alpha ... ok')
print('case_beta ... ok')
print('-' * 70)
print('Ran 2 tests')
print()
print('OK')
