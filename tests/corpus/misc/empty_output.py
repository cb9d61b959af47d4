# Prints nothing at all: passes against CPython's empty output.
x = [1, 2, 3]
y = sum(x)
