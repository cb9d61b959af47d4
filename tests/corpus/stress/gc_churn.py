import gc

total = 0
for i in range(2000):
    chunk = [i, str(i), (i, i + 1)]
    total += len(chunk[1]) + chunk[2][1]
    if i % 500 == 0:
        gc.collect()
print('checksum', total)
