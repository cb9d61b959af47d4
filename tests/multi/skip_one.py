# one instance cannot run the test: the whole test is skipped
def instance0():
    multitest.next()
    print("i0 runs")


def instance1():
    print("i1 lacks something")
    multitest.skip()
