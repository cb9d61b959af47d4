x = []
for i in range(60):
    x = [x, i]
depth = 0
while x:
    x = x[0]
    depth += 1
print('depth', depth)
