# The project's own tests: unit tests and fuzzers built with sanitizers, integration tests against
# virtual boards. `make check` ends with one line "N passed, N failed" summing every suite.

CLANG        ?= clang
FUZZ_SECONDS ?= 3
FUZZ_CFLAGS  := -g -O1 $(WARN) -Werror -D_GNU_SOURCE -Itools/lib -Itests/unit \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

UNIT_TESTS := test_rawrepl test_verdict test_flashspec
UNIT_BINS  := $(UNIT_TESTS:%=build/check/tests/%)
FUZZERS    := fuzz_follow fuzz_regexexp fuzz_jsonval fuzz_verdict fuzz_flashspec fuzz_inventory fuzz_ids \
	      fuzz_perf fuzz_probe fuzz_multitest
FUZZ_BINS  := $(FUZZERS:%=build/fuzz/%)

build/check/tests/%: build/check/tests/unit/%.o build/check/tests/unit/script_io.o $(CHK_LIB)
	@mkdir -p $(@D)
	$(quiet) LD $@
	$(Q)$(CC) $(CHK_CFLAGS) -o $@ $^

# mp-flash's spec and command-line code, tested on the shipped board specs
build/check/tests/test_flashspec: build/check/tests/unit/test_flashspec.o build/check/tools/mp-flash/spec.o \
		build/check/tools/mp-flash/flasher.o $(CHK_LIB)
	@mkdir -p $(@D)
	$(quiet) LD $@
	$(Q)$(CC) $(CHK_CFLAGS) -o $@ $^ $(PC_LIBS)

build/check/tests/unit/%.o: CHK_CFLAGS += -Itests/unit -Itools/mp-flash
.SECONDARY: $(UNIT_TESTS:%=build/check/tests/unit/%.o) build/check/tests/unit/script_io.o

# fuzzers: clang's libFuzzer, the library sources compiled in, and the tool sources a fuzzer needs
FUZZ_SRCS_fuzz_flashspec := tools/mp-flash/spec.c tools/mp-flash/flasher.c
FUZZ_SRCS_fuzz_inventory := tools/tentacle-find/inventory.c
FUZZ_SRCS_fuzz_perf      := tools/mp-runtest/perf.c
FUZZ_SRCS_fuzz_probe     := tools/mp-runtest/probe.c tools/mp-runtest/run.c
FUZZ_SRCS_fuzz_multitest := tools/mp-multitest/script.c tools/mp-multitest/drive.c tools/mp-multitest/inst.c
$(foreach f,$(FUZZERS),$(eval build/fuzz/$(f): $(FUZZ_SRCS_$(f)) $(wildcard $(dir $(FUZZ_SRCS_$(f)))*.h)))

build/fuzz/%: tests/fuzz/%.c tests/unit/script_io.c $(LIB_SRCS) $(wildcard tools/lib/*.h)
	@mkdir -p $(@D)
	$(quiet) FUZZ $@
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(addprefix -I,$(sort $(dir $(FUZZ_SRCS_$*)))) $(PC_CFLAGS) -o $@ \
		tests/fuzz/$*.c tests/unit/script_io.c $(LIB_SRCS) $(FUZZ_SRCS_$*) $(PC_LIBS)

.PHONY: check check-build fuzz
check-build: check-tools $(UNIT_BINS) $(FUZZ_BINS)

# every suite runs even when one fails; the summary line sums them all
check: setup-quiet check-build
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/run.sh

fuzz: $(FUZZ_BINS)
	$(Q)FUZZ_SECONDS=$(if $(filter command line,$(origin FUZZ_SECONDS)),$(FUZZ_SECONDS),300) ONLY=fuzz sh tests/run.sh

.PHONY: setup-quiet
setup-quiet:
	$(Q)sh scripts/setup.sh $(if $(filter check,$(MAKECMDGOALS)),--tests)

# with -j, the goals that install their dependencies first must not compile before the install ends
ifneq ($(filter check test demo bench retest fuzz,$(MAKECMDGOALS)),)
build/rel/flags build/check/flags $(FUZZ_BINS): | setup-quiet
endif
