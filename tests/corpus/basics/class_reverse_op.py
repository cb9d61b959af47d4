class Money:
    def __init__(self, v):
        self.v = v

    def __radd__(self, other):
        return Money(other + self.v)

    def __rmul__(self, other):
        return Money(other * self.v)


print((5 + Money(3)).v, (4 * Money(2)).v)
