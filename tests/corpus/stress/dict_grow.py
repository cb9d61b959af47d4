d = {}
for i in range(300):
    d[i] = i * 3
print(len(d), d[299], sum(d.values()))
for i in range(0, 300, 2):
    del d[i]
print(len(d), min(d), max(d))
