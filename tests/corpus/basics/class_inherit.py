class Shape:
    sides = 0

    def __init__(self, name):
        self.name = name

    def describe(self):
        return '%s with %d sides' % (self.name, self.sides)

    def __str__(self):
        return 'Shape(' + self.name + ')'


class Square(Shape):
    sides = 4

    def __init__(self, size):
        super().__init__('square')
        self.size = size

    def area(self):
        return self.size * self.size


class Tri(Shape):
    sides = 3


for s in (Square(3), Tri('tri')):
    print(s.describe(), str(s), isinstance(s, Shape), isinstance(s, Square))
print(Square(5).area(), hasattr(Tri('t'), 'area'))

