# Regex-matched expected output (this name is on the runner's regex list):
# values and the number of noise lines differ between boards.
import gc
import sys

gc.collect()
free = gc.mem_free()
print('free bytes:', free)
print('positive:', free > 0)
for i in range(len(sys.platform)):
    print('noise line', i * 7)
print('address-like:', hex(id(gc)))
print('literal chars: (done) [ok] {x} 1.5*2+3^4$')
