# testbed-micropython: run MicroPython's test suite on many boards at once.
# `make help` lists the targets. Configuration variables may be given on the command line.

.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules
.DEFAULT_GOAL := all

# ---- configuration (defaults; override on the command line) ----
CC         ?= cc
AR         ?= ar
PKG_CONFIG ?= pkg-config
CFLAGS     ?= -O2 -g
PREFIX     ?= /usr/local
DESTDIR    ?=
NODE       ?= node
PYTHON3    ?= python3

# V=1 shows the commands; otherwise one short line per step
V ?=
ifeq ($(V),1)
Q :=
quiet = @:
else
Q := @
quiet = @printf '  %-8s %s\n'
endif

TOP := $(CURDIR)

include mk/tools.mk
include mk/vbench.mk
include mk/check.mk
include mk/bench.mk
include mk/test.mk
include mk/specs.mk

.PHONY: all setup help clean install

all: tools

setup:
	$(Q)sh scripts/setup.sh

help:
	@echo 'testbed-micropython: make targets'
	@echo
	@echo '  make [all]            build the tools into build/bin'
	@echo '  make setup            install Debian and npm dependencies (idempotent)'
	@echo '  make demo             run the test corpus on a virtual bench (no hardware)'
	@echo '  make [-jN] test TESTBED=virtual VBOARDS=N [VBOARD_TYPE=wasm|microbit]'
	@echo '  make [-jN] test PORT=/dev/ttyACM0 | PORTS="/dev/ttyACM0 /dev/ttyACM1"'
	@echo '  make [-jN] test TESTBED=<bench>   the tentacles of testbeds/<bench>.json: power-cycle, test, power off'
	@echo '                        FLASH=auto|force|skip with FIRMWARE_DIR= or MPY_DIR=: flash first (auto:'
	@echo '                        only the DUTs whose firmware differs); BOARD=, TENTACLE=, VARIANT= select'
	@echo '                        GROUPS="STANDARD MULTI ...": test groups; MULTI pairs boards (MULTI_REF=);'
	@echo '                        VIA_MPY, NATIVE: tests compiled by mpy-cross (MPY_DIR= or MPY_CROSS=);'
	@echo '                        NATMODTESTS (MPY_DIR=), FLASH_FORMAT, PERFBENCH, EXTMOD_HARDWARE, NET_*'
	@echo '                        run the tests (MPY_DIR=checkout, TESTS="basics/ extmod/json*.py", RUN=name);'
	@echo '                        a second run redoes only what failed or changed'
	@echo '  make retest ...       forget the results of the selection (TESTS) and test again'
	@echo '  make report [RUN=]    the reports again from results/RUN: summary.json, junit.xml, summary.md, report.html'
	@echo '  make fanout BENCHES=file [RUN=] ...  make test on every bench of the file at once over ssh, results merged'
	@echo '  make compare BASE=... [RUN=]  what changed since an older run (BASE: its folder or name)'
	@echo '  make mpy-cross MPY_DIR=...  build the checkout'"'"'s mpy-cross (make test does it for VIA_MPY, NATIVE)'
	@echo '  make vbench-start VBOARDS=N [VBOARD_TYPE=wasm|microbit]'
	@echo '                        start N virtual boards under results/vbench/'
	@echo '  make vbench-stop      stop them'
	@echo '  make flash TESTBED=<bench> [BOARD=] [TENTACLE=] [FLASH=force] (FIRMWARE_DIR=|MPY_DIR=)'
	@echo '                        flash the DUTs whose firmware differs from the wanted one, in parallel'
	@echo '  make validate         check every board spec, bench inventory and udev rules file'
	@echo '  make udev-rules-install [DESTDIR=]  install the udev rules (plugdev access, no root at run time)'
	@echo '  make check            build with sanitizers and run every test suite'
	@echo '  make fuzz FUZZ_SECONDS=N  run the fuzzers longer'
	@echo '  make bench            run the benchmarks and print their figures'
	@echo '  make soak [SOAK_SECONDS=600 SOAK_BOARDS=16 SOAK_RATE=0.005]  the corpus on failing virtual boards'
	@echo '  make install [PREFIX=/usr/local] [DESTDIR=]  install the tools'
	@echo '  make clean            remove build/ and results/'
	@echo
	@echo 'variables: V=1 (show commands), CC, CFLAGS, PKG_CONFIG, PREFIX, DESTDIR'

clean:
	$(Q)rm -rf build
	$(Q)find results -mindepth 1 ! -name README.md -exec rm -rf {} +

install: tools
	$(Q)install -d '$(DESTDIR)$(PREFIX)/bin' '$(DESTDIR)$(PREFIX)/share/testbed-micropython'
	$(Q)install -m 755 $(TOOL_BINS) '$(DESTDIR)$(PREFIX)/bin/'
	$(Q)install -m 644 tools/vboard/board-wasm.mjs tools/mp-runtest/known-flaky.tsv '$(DESTDIR)$(PREFIX)/share/testbed-micropython/'
	$(Q)install -m 755 tools/vboard/mpy-cross-wasm.mjs '$(DESTDIR)$(PREFIX)/share/testbed-micropython/'
	$(Q)install -d '$(DESTDIR)$(PREFIX)/share/testbed-micropython/feature_check'
	$(Q)install -m 644 tools/mp-runtest/feature_check/*.py '$(DESTDIR)$(PREFIX)/share/testbed-micropython/feature_check/'
	$(Q)install -d '$(DESTDIR)$(PREFIX)/share/testbed-micropython/boards'
	$(Q)install -m 644 boards/README.md boards/*.json '$(DESTDIR)$(PREFIX)/share/testbed-micropython/boards/'
	$(Q)sed 's|@TOP@|$(TOP)|' scripts/mptest >'$(DESTDIR)$(PREFIX)/bin/mptest' && chmod 755 '$(DESTDIR)$(PREFIX)/bin/mptest'
