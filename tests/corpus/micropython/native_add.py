import micropython


@micropython.native
def add(a, b):
    return a + b


print(add(2, 3), add(-1, 1))
