def fact(n):
    r = 1
    for i in range(2, n + 1):
        r *= i
    return r


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


print(fact(30))
print(fib(150))
print(fact(25) // fact(23), fib(100) % 1000)
