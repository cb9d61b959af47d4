# No .exp and CPython has no 'micropython' module: the expected text is
# "CPYTHON3 CRASH:" plus CPython's traceback, so this fails on every board.
import micropython

print('opt level', micropython.opt_level())
