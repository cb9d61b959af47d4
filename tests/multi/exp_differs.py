# the .exp file deliberately disagrees with what the instances print: a failure
def instance0():
    multitest.next()
    print("one", 1 + 1)


def instance1():
    multitest.next()
    print("two", 2 * 2)
