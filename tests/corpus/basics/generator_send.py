def accumulate():
    total = 0
    while True:
        got = yield total
        if got is None:
            break
        total += got


g = accumulate()
print(next(g))
for v in (5, 10, 20):
    print(g.send(v))
try:
    g.send(None)
except StopIteration:
    print('generator finished')


def count_to(n):
    i = 0
    while i < n:
        yield i
        i += 1


def wrapped():
    yield 'start'
    yield from count_to(2)
    yield 'end'


print(list(count_to(4)), sum(count_to(10)))
print(list(x * 2 for x in count_to(3)))
print(list(wrapped()))
