# Prints a line, then never finishes: the expected verdict is a timeout
# even though some output has already arrived.
print('started, now looping forever')
n = 0
while True:
    n += 1
