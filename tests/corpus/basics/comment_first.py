# The first byte of this file is '#', so the runner glues print('START TEST') onto
# this line and every line number in the traceback below is the file's own.
import sys


def inner(x):
    if x == 0:
        raise ValueError('zero given')
    return 10 // x


def outer():
    return inner(0)


try:
    outer()
except ValueError as e:
    sys.print_exception(e)
print('line numbers checked')
