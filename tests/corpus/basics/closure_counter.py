def make_counter(step):
    count = 0

    def bump():
        nonlocal count
        count += step
        return count

    return bump


c1 = make_counter(1)
c5 = make_counter(5)
print(c1(), c1(), c5(), c1(), c5())
adders = [lambda x, n=n: x + n for n in range(3)]
print([f(10) for f in adders])
