# A set literal, compiled at run time so an old parser cannot reject the file.
try:
    exec('print({1})')
except Exception:
    print('no set')
