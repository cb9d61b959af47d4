import micropython


@micropython.viper
def total(n: int) -> int:
    s = 0
    for i in range(n):
        s += i
    return s


print(total(10))
