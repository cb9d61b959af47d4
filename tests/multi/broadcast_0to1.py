# instance0 broadcasts, instance1 waits for it (reads its stdin while running)
def instance0():
    multitest.next()
    print("i0 sends go")
    multitest.broadcast("go")


def instance1():
    multitest.next()
    multitest.wait("go")
    print("i1 got go")
