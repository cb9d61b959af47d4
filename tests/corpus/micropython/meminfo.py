# Regex-matched expected output (this name is on the runner's regex list). The official
# runner skips this name on non-PC platforms; a tool may be told to run it anyway.
import micropython

print('before')
micropython.mem_info()
print('between')
micropython.qstr_info()
print('after')
