x = 2
print('checking', x)
assert x == 3, 'x should be 3'
print('not reached')
