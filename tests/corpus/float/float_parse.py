for s in ('1.5', '-0.125', '  42  ', '1e2', '2.5E-1', 'inf', '-inf'):
    print(repr(s), float(s))
try:
    float('abc')
except ValueError:
    print('ValueError')
print(float('nan') != float('nan'))
