# three instances, started in order; a global from instance0 reaches both others
def instance0():
    multitest.globals(BASE=100)
    multitest.next()
    print("i0")


def instance1():
    multitest.next()
    print("i1", BASE + 1)


def instance2():
    multitest.next()
    print("i2", BASE + 2)
