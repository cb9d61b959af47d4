try:
    import corpus_module_that_does_not_exist
except ImportError:
    print('SKIP')
    raise SystemExit

print('not reached')
