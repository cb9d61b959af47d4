# 1/3 printed in full: identical to CPython only with double precision floats.
print(1 / 3)
print(2 / 3, 10 / 7)
