# Prints "thumb2" where the inline assembler accepts a Thumb-2-only instruction.
try:
    exec('@micropython.asm_thumb\ndef f(r0):\n    sdiv(r0, r0, r0)\nprint("thumb2" if f(3) == 1 else "broken")\n')
except Exception:
    print('no thumb2')
