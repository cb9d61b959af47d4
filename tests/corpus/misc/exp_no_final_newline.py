# The .exp lacks the final newline the board prints: byte-exact comparison fails.
print('one')
print('two')
