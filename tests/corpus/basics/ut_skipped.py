# unittest-style summary with one skipped case: "OK (skipped=1)"
class Skipped(Exception):
    pass


def run_cases(cases):
    failed = skipped = 0
    for name, fn in cases:
        try:
            fn()
            print(name, '... ok')
        except Skipped as e:
            skipped += 1
            print(name, "... skipped '%s'" % e.args[0])
        except AssertionError:
            failed += 1
            print(name, '... FAIL')
    print('-' * 70)
    print('Ran %d tests' % len(cases))
    print()
    if failed:
        print('FAILED (failures=%d, errors=0)' % failed)
    elif skipped:
        print('OK (skipped=%d)' % skipped)
    else:
        print('OK')


def case_upper():
    assert 'ab'.upper() == 'AB'


def case_needs_hardware():
    raise Skipped('no hardware on this bench')


run_cases([('case_upper', case_upper), ('case_needs_hardware', case_needs_hardware)])
