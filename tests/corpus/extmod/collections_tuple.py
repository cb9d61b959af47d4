try:
    from collections import namedtuple, OrderedDict
except ImportError:
    print('SKIP')
    raise SystemExit

Point = namedtuple('Point', ('x', 'y'))
p = Point(1, 2)
print(p.x + p.y, p[0], p)
od = OrderedDict([('z', 1), ('a', 2)])
od['m'] = 3
print(list(od.keys()), list(od.values()))
