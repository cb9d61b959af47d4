# ping-pong: both sides wait for each other, three rounds
def instance0():
    multitest.next()
    for n in range(3):
        multitest.broadcast("ping %d" % n)
        multitest.wait("pong %d" % n)
        print("i0 round", n)


def instance1():
    multitest.next()
    for n in range(3):
        multitest.wait("ping %d" % n)
        print("i1 round", n)
        multitest.broadcast("pong %d" % n)
