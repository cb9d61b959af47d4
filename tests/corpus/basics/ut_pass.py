# Prints the same summary as unittest's text runner, from a tiny inline helper,
# so the unittest classification path works on boards without unittest.
def run_cases(cases):
    failed = 0
    for name, fn in cases:
        try:
            fn()
            print(name, '... ok')
        except AssertionError:
            failed += 1
            print(name, '... FAIL')
    print('-' * 70)
    print('Ran %d tests' % len(cases))
    print()
    print('FAILED (failures=%d, errors=0)' % failed if failed else 'OK')


def case_add():
    assert 2 + 3 == 5


def case_join():
    assert ','.join(['a', 'b']) == 'a,b'


def case_slice():
    assert [1, 2, 3][1:] == [2, 3]


run_cases([('case_add', case_add), ('case_join', case_join), ('case_slice', case_slice)])
