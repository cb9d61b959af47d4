# Declares itself too large (prints SKIP-TOO-LARGE) where 200 KB cannot be allocated.
try:
    buf = bytearray(200000)
except MemoryError:
    print('SKIP-TOO-LARGE')
    raise SystemExit
buf[-1] = 7
print(len(buf), buf[-1], buf[0])
