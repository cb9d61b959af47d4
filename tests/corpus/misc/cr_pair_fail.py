# Two carriage returns before the newline: the board sends "y\r\r\r\n", which
# normalises to "y\n", while CPython's "y\r\r\n" normalises to "y\r\n": fail.
print('y\r\r')
