print('about to fail')
raise ValueError('expected crash')
