# Has both emit_pref.py.exp and emit_pref.py.native.exp: with the bytecode emitter
# the runner must use the plain .exp.
def square(n):
    return n * n


print('emitter check', square(12))
