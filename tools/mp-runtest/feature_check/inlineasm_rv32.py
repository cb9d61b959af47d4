# Prints "rv32" where @micropython.asm_rv32 works.
try:
    exec('@micropython.asm_rv32\ndef f(a0):\n    addi(a0, a0, 1)\nprint("rv32" if f(1) == 2 else "broken")\n')
except Exception:
    print('no rv32 asm')
