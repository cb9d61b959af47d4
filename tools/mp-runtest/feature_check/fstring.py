try:
    exec("a = 1\nprint(f'a={a}')\n")
except SyntaxError:
    print('no fstring')
