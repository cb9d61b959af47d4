# Source too big for a small heap: on a board with a few KB of RAM the compiler
# runs out of memory before anything runs (SKIP-TOO-LARGE); elsewhere it passes.

def step00(a, b):
    return (a * 3 + b) % 97
def step01(a, b):
    return (a * 4 + b) % 98
def step02(a, b):
    return (a * 5 + b) % 99
def step03(a, b):
    return (a * 6 + b) % 100
def step04(a, b):
    return (a * 7 + b) % 101
def step05(a, b):
    return (a * 8 + b) % 102
def step06(a, b):
    return (a * 9 + b) % 103
def step07(a, b):
    return (a * 10 + b) % 104
def step08(a, b):
    return (a * 11 + b) % 105
def step09(a, b):
    return (a * 12 + b) % 106
def step10(a, b):
    return (a * 13 + b) % 107
def step11(a, b):
    return (a * 14 + b) % 108
def step12(a, b):
    return (a * 15 + b) % 109
def step13(a, b):
    return (a * 16 + b) % 110
def step14(a, b):
    return (a * 17 + b) % 111
def step15(a, b):
    return (a * 18 + b) % 112
def step16(a, b):
    return (a * 19 + b) % 113
def step17(a, b):
    return (a * 20 + b) % 114
def step18(a, b):
    return (a * 21 + b) % 115
def step19(a, b):
    return (a * 22 + b) % 116
def step20(a, b):
    return (a * 23 + b) % 117
def step21(a, b):
    return (a * 24 + b) % 118
def step22(a, b):
    return (a * 25 + b) % 119
def step23(a, b):
    return (a * 26 + b) % 120
def step24(a, b):
    return (a * 27 + b) % 121
def step25(a, b):
    return (a * 28 + b) % 122
def step26(a, b):
    return (a * 29 + b) % 123
def step27(a, b):
    return (a * 30 + b) % 124
def step28(a, b):
    return (a * 31 + b) % 125
def step29(a, b):
    return (a * 32 + b) % 126
def step30(a, b):
    return (a * 33 + b) % 127
def step31(a, b):
    return (a * 34 + b) % 128
def step32(a, b):
    return (a * 35 + b) % 129
def step33(a, b):
    return (a * 36 + b) % 130
def step34(a, b):
    return (a * 37 + b) % 131
def step35(a, b):
    return (a * 38 + b) % 132
def step36(a, b):
    return (a * 39 + b) % 133
def step37(a, b):
    return (a * 40 + b) % 134
def step38(a, b):
    return (a * 41 + b) % 135
def step39(a, b):
    return (a * 42 + b) % 136


v = 1
for f in (step00, step01, step02, step03, step04, step05, step06, step07, step08, step09, step10, step11, step12, step13, step14, step15, step16, step17, step18, step19, step20, step21, step22, step23, step24, step25, step26, step27, step28, step29, step30, step31, step32, step33, step34, step35, step36, step37, step38, step39):
    v = f(v, 7)
print('chained result', v)
