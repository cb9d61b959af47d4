x = 5
name = 'bench'
print(f'x={x} square={x * x}')
print(f'{name!r} has {len(name)} letters, padded [{x:>4}]')
print(f'{{literal braces}} {x + 1}')
