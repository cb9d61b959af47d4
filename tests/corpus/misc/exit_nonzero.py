# CPython exits with status 3, so its expected text starts with "CPYTHON3 CRASH:";
# the board prints the same lines but the verdict is fail.
import sys

print('exiting with status 3')
sys.exit(3)
