try:
    z = complex(0, 1)
    print('complex' if (z * z).real == -1 else 'broken complex')
except NameError:
    print('no complex')
