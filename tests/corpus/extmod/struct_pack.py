import struct

b = struct.pack('<HhI', 513, -2, 70000)
print(b, len(b), struct.calcsize('<HhI'))
print(struct.unpack('<HhI', b))
print(struct.pack('>i', -1), struct.unpack('>H', b'\x01\x02'))
print(struct.pack('<BBB', 1, 2, 3), struct.unpack('<b', b'\xff'))
