# unittest-style summary that reports one failure and one error: verdict fail.
def run_cases(cases):
    failures = errors = 0
    for name, fn in cases:
        try:
            fn()
            print(name, '... ok')
        except AssertionError:
            failures += 1
            print(name, '... FAIL')
        except Exception:
            errors += 1
            print(name, '... ERROR')
    print('-' * 70)
    print('Ran %d tests' % len(cases))
    print()
    if failures or errors:
        print('FAILED (failures=%d, errors=%d)' % (failures, errors))
    else:
        print('OK')


def case_good():
    assert 1 < 2


def case_wrong_sum():
    assert 2 + 2 == 5, 'arithmetic'


def case_raises():
    {}['no such key']


run_cases([('case_good', case_good), ('case_wrong_sum', case_wrong_sum), ('case_raises', case_raises)])
