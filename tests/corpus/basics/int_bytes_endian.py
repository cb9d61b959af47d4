n = 0x1234
print(n.to_bytes(2, 'little'), n.to_bytes(2, 'big'))
print(int.from_bytes(b'\x34\x12', 'little'), int.from_bytes(b'\x12\x34', 'big'))
print((1).to_bytes(4, 'little'), (1).to_bytes(4, 'big'))
