print('never printed: the whole file fails to compile')
def broken(:
    pass
