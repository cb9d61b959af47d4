# Prints 2**62 where integers of at least 64 bits exist.
try:
    print(1 << 62)
except OverflowError:
    print('no 64-bit ints')
