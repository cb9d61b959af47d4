try:
    exec('async def f():\n    await g()\n')
    print('async')
except SyntaxError:
    print('no async')
