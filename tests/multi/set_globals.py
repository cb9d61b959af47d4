# globals from instance0 (SET lines) are defined in instance1's script
def instance0():
    multitest.globals(COUNT=3, WORD="tentacle", PAIR=(1, 2))
    multitest.next()
    print("i0 done")


def instance1():
    multitest.next()
    print(COUNT * WORD)
    print(PAIR[0] + PAIR[1])
