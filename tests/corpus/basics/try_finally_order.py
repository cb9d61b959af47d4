def trial(n):
    log = []
    try:
        log.append('try')
        if n == 1:
            raise ValueError('one')
        if n == 2:
            return log + ['early']
        log.append('body')
    except ValueError as e:
        log.append('caught ' + str(e))
    else:
        log.append('else')
    finally:
        log.append('finally')
    return log


for n in range(3):
    print(n, trial(n))

try:
    try:
        1 // 0
    finally:
        print('inner finally')
except ZeroDivisionError:
    print('outer caught')


class Custom(Exception):
    pass


try:
    raise Custom('x', 2)
except Exception as e:
    print(type(e) is Custom, e.args)
