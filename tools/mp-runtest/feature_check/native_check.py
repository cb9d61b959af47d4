# Prints "native" where the @micropython.native decorator compiles and runs.
try:
    exec('import micropython\n@micropython.native\ndef f(x):\n    return x + 1\nprint("native" if f(1) == 2 else "broken")\n')
except Exception:
    print('no native')
