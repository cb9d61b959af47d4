s = list(range(10))
print(s[2:8:2], s[::-1][:3], s[-3:], s[:-7])
s[1:3] = ['a', 'b', 'c']
print(s)
del s[0:2]
print(s)
print(s[1:5:2], (1, 2, 3, 4)[1:3], 'hello'[-3:], 'abcdef'[1:4])
