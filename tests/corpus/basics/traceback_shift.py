import sys
def check(v):
    if v < 0:
        raise ValueError('negative')
    return v
try:
    check(-1)
except ValueError as e:
    sys.print_exception(e)
print('one line added in front by the runner')
