try:
    b = bytearray(b'x')
    b[0] = 1
    print('bytearray')
except NameError:
    print('no bytearray')
