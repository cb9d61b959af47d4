try:
    from array import array
except ImportError:
    print('SKIP')
    raise SystemExit

a = array('i', [1, 2, 3])
a.append(-4)
print(a, len(a), a[3], sum(a))
b = array('B', b'\x01\x02')
print(b, list(b), array('h'))
