try:
    import asyncio
except ImportError:
    print('SKIP')
    raise SystemExit


async def task(n):
    await asyncio.sleep(0)
    return n * 2


async def main():
    print('task gave', await task(21))


asyncio.run(main())
