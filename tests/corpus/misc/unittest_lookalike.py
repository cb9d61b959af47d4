# Almost a unittest summary (69 dashes, not 70): compared with CPython as usual.
print('case_one ... ok')
print('case_two ... ok')
print('-' * 69)
print('Ran 2 tests')
print()
print('OK')
