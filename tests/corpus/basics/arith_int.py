# integer arithmetic on small values: identical on MicroPython and CPython
vals = [-7, -1, 0, 3, 10]
for a in vals:
    for b in (-3, 2, 5):
        print(a, b, a + b, a - b, a * b, a // b, a % b)
print(divmod(17, 5), divmod(-17, 5))
print(pow(3, 4), 2 ** 10, 10 ** 0)
print(abs(-12), max(3, 9, 1), min([4, 2, 8]))
print(7 & 3, 7 | 8, 7 ^ 2, ~5, 1 << 6, 200 >> 3, -200 >> 3)
