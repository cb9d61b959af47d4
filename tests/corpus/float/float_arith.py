# only values that are exact in binary floating point, so every precision agrees
vals = [0.25, -1.25, 3.0, 100.75]
for v in vals:
    print(v, v * 2, v / 4, -v, abs(v), int(v), round(v))
print(1.5 + 2, 7 // 2.0, 7 % 2.5, 2.0 ** 3, float('2.25'), float(3))
print(0.25 < 0.5, 1.0 == 1, max(0.5, 0.75), min(-0.5, 0.125))
