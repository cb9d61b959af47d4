# Stands in for a native module of MicroPython's examples/natmod in the tests: compiled to a bytecode
# .mpy by the virtual bench's mpy-cross and imported by mp-runtest --natmod before a test.
FROM_MPY = "heapq from the injected .mpy"


def heappush(h, x):
    h.append(x)
    h.sort()


def heappop(h):
    return h.pop(0)
