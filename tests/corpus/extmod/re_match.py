try:
    import re
except ImportError:
    print('SKIP')
    raise SystemExit

m = re.match(r'(\w+)-(\d+)', 'abc-123 rest')
print(m.group(0), m.group(1), m.group(2))
print(re.search(r'\d+', 'x 42 y').group(0))
print(re.sub(r'[aeiou]', '_', 'micropython'))
print(re.sub(r'(\d)', r'<\1>', 'a1b22'))
print(re.match('z', 'abc'))
