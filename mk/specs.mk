# Board specs (boards/*.json), bench inventories (testbeds/*.json) and the udev rules (udev/).
#   make validate                  check them all; problems as FILE:LINE: MESSAGE (scripts/validate-specs.sh)
#   make udev-rules-install [DESTDIR=]  install the udev rules to $(DESTDIR)/etc/udev/rules.d

UDEV_RULES    := udev/99-testbed-micropython.rules
UDEV_RULESDIR ?= /etc/udev/rules.d

.PHONY: validate udev-rules-install

validate:
	$(Q)sh scripts/validate-specs.sh

udev-rules-install: $(UDEV_RULES)
	$(Q)install -d '$(DESTDIR)$(UDEV_RULESDIR)'
	$(Q)install -m 644 $(UDEV_RULES) '$(DESTDIR)$(UDEV_RULESDIR)/'
	@echo 'installed $(DESTDIR)$(UDEV_RULESDIR)/$(notdir $(UDEV_RULES)); now run:'
	@echo '  sudo udevadm control --reload && sudo udevadm trigger --subsystem-match=usb --subsystem-match=tty'
	@echo '  and add yourself to group plugdev: sudo usermod -a -G plugdev $$USER (log in again)'
