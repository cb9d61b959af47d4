# Runs only where inline Thumb assembler exists (name starts with "asm").
@micropython.asm_thumb
def add3(r0, r1):
    add(r0, r0, r1)
    add(r0, r0, 3)


print(add3(4, 5), add3(0, 0))
