# Prints TypeError where __radd__ is ignored by the runtime.
class Right:
    def __radd__(self, other):
        return 'radd'


try:
    print(1 + Right())
except TypeError:
    print('TypeError')
