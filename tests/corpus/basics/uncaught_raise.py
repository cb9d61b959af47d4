print('before the error')
raise ValueError('not caught on purpose')
