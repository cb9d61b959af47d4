# NEXT ordering: instance1 starts only after instance0 has printed NEXT
def instance0():
    print("i0 before next")
    multitest.next()
    print("i0 after next")


def instance1():
    print("i1 starts after i0 signalled")
    multitest.next()
    for i in range(3):
        print("i1 line", i)
