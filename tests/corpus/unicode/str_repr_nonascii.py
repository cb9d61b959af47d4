# repr() of non-ASCII text: MicroPython escapes the characters (\xe9), CPython
# prints them as they are, so with no .exp this test fails on MicroPython.
print(repr('café'), repr(['ñ']))
