# No .exp: the expected output comes from CPython, which prints 'cpython' here,
# so this test fails on every MicroPython board.
import sys

print(sys.implementation.name)
