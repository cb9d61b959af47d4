try:
    complex
except NameError:
    print('SKIP')
    raise SystemExit

z = complex(1, 2) * complex(3, -1)
print(z, z.real, z.imag)
print(abs(complex(3, 4)), complex(2, 0) == 2)
