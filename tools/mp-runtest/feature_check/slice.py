# Slicing support (the slice() constructor and slice attributes are separate features).
try:
    ok = [5, 6, 7][1:2] == [6] and [1, 2, 3, 4][::2] == [1, 3]
    print('slice' if ok else 'broken slice')
except Exception:
    print('no slice')
