# The .exp expects one more line than the test prints: fail.
for w in ('alpha', 'beta'):
    print(w)
