# instance1 waits for a broadcast that never comes: it falls silent and times out
def instance0():
    multitest.next()
    print("i0 says nothing more")


def instance1():
    multitest.next()
    print("i1 waits")
    multitest.wait("never sent")
    print("not reached")
