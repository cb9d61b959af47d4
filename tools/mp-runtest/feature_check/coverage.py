# Only the unix "coverage" variant has the extra_coverage() builtin.
try:
    extra_coverage
    print('coverage')
except NameError:
    print('no coverage')
