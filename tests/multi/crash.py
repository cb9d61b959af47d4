# an uncaught exception in one instance: its traceback ends the test, which fails
def instance0():
    multitest.next()
    print("i0 fine")


def instance1():
    multitest.next()
    print("i1 before")
    raise ValueError("on purpose")
