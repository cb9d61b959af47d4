try:
    exec("x = 2\nt = t'{x}'\nprint('tstring' if t.interpolations[0].value == 2 else 'broken')\n")
except Exception:
    print('no tstring')
