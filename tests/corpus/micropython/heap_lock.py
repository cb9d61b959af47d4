import micropython

try:
    micropython.heap_lock
except AttributeError:
    print('SKIP')
    raise SystemExit


def grow():
    return list(range(20))


got = None
micropython.heap_lock()
try:
    grow()
    got = 'allocated'
except MemoryError:
    got = 'MemoryError'
micropython.heap_unlock()
print(got)
print(len(grow()))
