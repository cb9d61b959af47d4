# A stand-in for MicroPython's network module on a virtual board (tests only): one station interface
# that "joins" the WLAN named "lab net" with the password "s3cr'et" and refuses anything else. It keeps
# what it was given in network.last, so a test can check the credentials arrived intact. "flaky net"
# (same password) answers only the third attempt: the attempts are counted in the file /wlan_tries,
# which outlives the soft resets between them.
STA_IF = 0
last = None


class WLAN:
    def __init__(self, interface):
        self._up = False
        self._joined = False

    def active(self, on=None):
        if on is not None:
            self._up = on
        return self._up

    def connect(self, ssid, key):
        global last
        last = (ssid, key)
        if ssid == "flaky net" and key == "s3cr'et":
            try:
                with open("/wlan_tries") as f:
                    tries = int(f.read())
            except OSError:
                tries = 0
            with open("/wlan_tries", "w") as f:
                f.write(str(tries + 1))
            if tries < 2:
                raise OSError("no answer from the access point")
        elif ssid != "lab net" or key != "s3cr'et":
            raise OSError("no such network")
        self._joined = True

    def isconnected(self):
        return self._joined

    def ifconfig(self):
        return ("10.0.0.7", "255.255.255.0", "10.0.0.1", "10.0.0.1")
