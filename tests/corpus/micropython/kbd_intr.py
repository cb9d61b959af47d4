import micropython

micropython.kbd_intr(-1)
print('Ctrl-C disabled')
micropython.kbd_intr(3)
print('Ctrl-C restored')
