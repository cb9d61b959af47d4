s = ''
for i in range(300):
    s += chr(97 + i % 26)
print(len(s), s[:30], s[-5:], s.count('a'))
parts = [str(i) for i in range(40)]
joined = ','.join(parts)
print(len(joined), joined[-11:])
