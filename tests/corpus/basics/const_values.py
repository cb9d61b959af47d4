from micropython import const

LIMIT = const(10)
_HIDDEN = const(3)
print(LIMIT * 2, _HIDDEN + 1)


def use():
    return LIMIT + _HIDDEN


print(use())
