print(ord('é'), ord('€'), ord('日'))
print(chr(0xe9), chr(0x263a), chr(0x1f600))
print([hex(ord(c)) for c in 'aé€'])
print(len(bytes('aé€', 'utf8')))
