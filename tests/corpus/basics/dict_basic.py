# dict operations; key order is never relied upon (old firmware has unordered dicts)
d = {'b': 2, 'a': 1}
d['c'] = 3
print(sorted(d.items()))
print(d.get('a'), d.get('z'), d.get('z', 0), 'b' in d, len(d))
del d['b']
print(sorted(d.keys()), sorted(d.values()))
d.update({'x': 10})
print(d.pop('x'), d.setdefault('y', 5), sorted(d))
sq = {k: k * k for k in range(4)}
print(sorted(sq.items()))
try:
    d['missing']
except KeyError:
    print('KeyError raised')
