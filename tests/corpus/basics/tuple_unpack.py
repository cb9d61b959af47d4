t = (1, 2, 3, 4)
a, b, c, d = t
print(a + d, b * c)
first, *rest = t
print(first, rest)
*init, last = 'xyz'
print(init, last)
p, (q, r) = 1, (2, 3)
print(p, q, r)
print(t[1:3], t + (5,), t.index(3), (1,) * 3, tuple('ab'))
x, y = 10, 20
x, y = y, x
print(x, y)
