# MicroPython's const(); CPython (no micropython module) prints something else.
try:
    exec('from micropython import const\nK = const(1)\nprint(K)\n')
except Exception:
    print('no const')
