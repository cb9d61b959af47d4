# Writes bytes that are not valid UTF-8 straight to the console.
import sys

data = b'\xff\xfe\x80 raw\n'
try:
    sys.stdout.buffer.write(data)
except AttributeError:
    # micro:bit firmware: no sys.stdout, the console is the UART
    from microbit import uart

    uart.write(data)
print('after raw bytes')
