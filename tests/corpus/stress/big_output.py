# About 1 MiB of output (16384 lines of 64 bytes), compared with CPython's output.
for i in range(16384):
    print('%05d' % i + 'x' * 58)
