try:
    import heapq
except ImportError:
    print('SKIP')
    raise SystemExit

h = []
for v in (5, 1, 8, 3, 9, 2):
    heapq.heappush(h, v)
print(h[0], len(h))
print([heapq.heappop(h) for _ in range(4)])
x = [7, 4, 6]
heapq.heapify(x)
print(x[0])
