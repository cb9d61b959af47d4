# Describe the target on one line of 8 fields:
# platform arch arch_flags build thread float_precision unicode error_reporting
# Written for old firmware too: no f-strings, every probe guarded.
import sys

platform = getattr(sys, 'platform', 'minimal')
impl = sys.implementation
mpy = getattr(impl, '_mpy', 0)
# native architecture codes as stored in .mpy files (bits 10..13 of sys.implementation._mpy)
arch_names = ('None x86 x64 armv6 armv6m armv7m armv7em armv7emsp armv7emdp '
              'xtensa xtensawin rv32imc rv64imc').split()
code = (mpy >> 10) & 15
arch = arch_names[code] if code < len(arch_names) else 'None'
arch_flags = mpy >> 16
build = getattr(impl, '_build', 'unknown')

thread = getattr(impl, '_thread', None)
if thread is None:
    try:
        import _thread
        thread = 'GIL'
    except ImportError:
        thread = None

# float precision, worked out by arithmetic: 30-bit floats lose the low mantissa
# bits of single precision, single precision cannot hold 1 + 2**-30.
try:
    one = float(1)
    if one + 2.0 ** -23 == one:
        float_prec = 30
    elif one + 2.0 ** -30 == one:
        float_prec = 32
    else:
        float_prec = 64
except NameError:
    float_prec = 0

unicode = len('\u00e9') == 1 and len('é') == 1

# error reporting: none (no message), terse (short), normal, detailed (with the value)
try:
    int('qz')
    errors = 'unknown'
except ValueError as e:
    msg = str(e)
    if not msg:
        errors = 'none'
    elif 'base' not in msg:
        errors = 'terse'
    elif 'qz' in msg:
        errors = 'detailed'
    else:
        errors = 'normal'

print(platform, arch, arch_flags, build, thread, float_prec, unicode, errors)
