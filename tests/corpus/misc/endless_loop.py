# Never finishes: the expected verdict is a timeout.
while True:
    pass
