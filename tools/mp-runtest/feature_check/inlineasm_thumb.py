# Prints "thumb" where @micropython.asm_thumb works.
try:
    exec('@micropython.asm_thumb\ndef f(r0):\n    add(r0, r0, 1)\nprint("thumb" if f(1) == 2 else "broken")\n')
except Exception:
    print('no thumb asm')
