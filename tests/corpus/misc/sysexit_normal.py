import sys

print('work done')
print('leaving early with status 0')
sys.exit(0)
print('not reached')
