s = 'Grüße, мир, 日本 ✓'
print(s)
print(len(s), s[2], s[-1], s[7:10])
print(' | '.join(s.split(', ')))
print('ü' in s, s.find('日'), s.count('ß'))
print(str(bytes('é€', 'utf8'), 'utf8'))
