ba = bytearray(b'abc')
ba[0] = 65
ba.append(100)
ba.extend(b'ef')
print(ba, len(ba), ba[1], list(ba[2:4]))
print(bytes(ba), bytearray(3), bytearray([1, 2]) + b'\x03')
