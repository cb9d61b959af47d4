# Prints "xtensa" where @micropython.asm_xtensa works.
try:
    exec('@micropython.asm_xtensa\ndef f(a2):\n    addi(a2, a2, 1)\nprint("xtensa" if f(1) == 2 else "broken")\n')
except Exception:
    print('no xtensa asm')
