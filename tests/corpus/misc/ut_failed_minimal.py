# Only the unittest summary matters: two failures reported, verdict fail.
checks = [3 * 3 == 9, 'a' + 'b' == 'ba', len([1, 2]) == 3]
failures = 0
for i, ok in enumerate(checks):
    print('check_%d ... %s' % (i, 'ok' if ok else 'FAIL'))
    if not ok:
        failures += 1
print('-' * 70)
print('Ran %d tests' % len(checks))
print()
print('FAILED (failures=%d, errors=0)' % failures if failures else 'OK')
