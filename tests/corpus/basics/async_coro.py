async def add(a, b):
    return a + b


async def main():
    r = await add(1, 2)
    return r * 10


c = main()
try:
    c.send(None)
except StopIteration as e:
    print('result', e.value)
