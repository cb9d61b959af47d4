# A lone carriage return is kept; a trailing one before the newline is folded
# the same way for the board (\r\r\n) and for CPython (\r\n).
print('a\rb')
print('x\r')
print('\r')
print('tab\there')
