# The .exp next to this test is wrong on purpose: the verdict must be fail.
print('the answer is', 6 * 7)
