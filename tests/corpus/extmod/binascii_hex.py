try:
    import binascii
except ImportError:
    print('SKIP')
    raise SystemExit

print(binascii.hexlify(b'\x00\x7f\xff'))
print(binascii.unhexlify('4d6963726f'))
print(binascii.b2a_base64(b'bench'))
print(binascii.a2b_base64(b'YmVuY2g='))
