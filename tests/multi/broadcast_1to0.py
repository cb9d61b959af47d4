# the other direction: instance1 broadcasts, instance0 (started first) waits
def instance0():
    multitest.next()
    multitest.wait("ready")
    print("i0 saw ready")


def instance1():
    multitest.next()
    print("i1 is ready")
    multitest.broadcast("ready")
