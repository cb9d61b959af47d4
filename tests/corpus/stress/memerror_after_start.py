# MemoryError before this test prints anything: but the runner's own
# print('START TEST') already ran, so this is a crash (fail), not SKIP-TOO-LARGE.
big = bytearray(2**31 - 1)
print('allocated', len(big))
