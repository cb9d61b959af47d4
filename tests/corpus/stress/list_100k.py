# Needs about 400 KB: fine on a desktop-size heap, MemoryError on a tiny one.
x = [7] * 100000
print(len(x), x[-1])
x = None
