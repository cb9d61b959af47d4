# Fake: firmware.sh only checks that this file exists.
