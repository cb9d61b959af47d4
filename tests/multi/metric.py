# OUTPUT_METRIC lines are kept apart from the compared output
def instance0():
    multitest.next()
    multitest.output_metric("i0 ops=12")
    print("i0 measured")


def instance1():
    multitest.next()
    multitest.output_metric("i1 ops=34")
    print("i1 measured")
