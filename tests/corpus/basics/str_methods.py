s = 'Hello, MicroPython'
print(s.lower(), s.upper(), len(s))
print(s.split(', '), s.replace('o', '0'), s.find('Py'), s.rfind('o'))
print(s.startswith('Hell'), s.endswith('thon'), s.count('o'))
print('-'.join(['a', 'b', 'c']), '  pad  '.strip(), 'xxhixx'.strip('x'))
print('{} + {} = {}'.format(1, 2, 3), '%d%%' % 50, '%s/%r' % ('a', 'b'))
print(s[7:12], s[-4:], 'ab' * 3, 'abc' < 'abd')
print('42'.isdigit(), 'ab'.isalpha(), ' '.isspace(), 'AB'.isupper())
