# property() is missing on some small firmware: there this test crashes (fail).
class Temp:
    def __init__(self):
        self._c = 0

    @property
    def c(self):
        return self._c

    @c.setter
    def c(self, v):
        self._c = v * 2


t = Temp()
t.c = 21
print(t.c)
