# Prints 10**45 where arbitrary-precision integers exist.
try:
    n = 1
    for _ in range(45):
        n = n * 10
    print(n)
except OverflowError:
    print('no big ints')
