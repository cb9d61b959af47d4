# Building the C tools. Two flavours from the same sources, in one make (no recursion):
#   build/bin/        release tools (user CFLAGS, warnings on)
#   build/check/bin/  the check build: -Werror and AddressSanitizer + UBSan, used by `make check`

TOOLS := mp-runtest mp-exp mp-flash vboard tentacle-find tentacle-power mp-multitest

WARN    := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
DEFS    := -D_GNU_SOURCE -Itools/lib
LIBS_PC := libudev libusb-1.0
PC_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBS_PC) 2>/dev/null)
PC_LIBS   := $(shell $(PKG_CONFIG) --libs $(LIBS_PC) 2>/dev/null)
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

REL_CFLAGS := $(CFLAGS) $(WARN) $(DEFS) $(PC_CFLAGS)
CHK_CFLAGS := -O1 -g $(WARN) -Werror $(SAN) $(DEFS) $(PC_CFLAGS)

LIB_SRCS := $(sort $(wildcard tools/lib/*.c))
REL_LIB  := build/rel/libtb.a
CHK_LIB  := build/check/libtb.a

TOOL_BINS  := $(TOOLS:%=build/bin/%)
CHK_BINS   := $(TOOLS:%=build/check/bin/%)

# a flags file per flavour: changing CFLAGS rebuilds everything of that flavour
build/rel/flags: FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(REL_CFLAGS)' | cmp -s - $@ || echo '$(CC) $(REL_CFLAGS)' > $@
build/check/flags: FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(CHK_CFLAGS)' | cmp -s - $@ || echo '$(CC) $(CHK_CFLAGS)' > $@
.PHONY: FORCE
FORCE:

build/rel/%.o: %.c build/rel/flags
	@mkdir -p $(@D)
	$(quiet) CC $@
	$(Q)$(CC) $(REL_CFLAGS) -MMD -MP -c -o $@ $<
build/check/%.o: %.c build/check/flags
	@mkdir -p $(@D)
	$(quiet) CC $@
	$(Q)$(CC) $(CHK_CFLAGS) -MMD -MP -c -o $@ $<

$(REL_LIB): $(LIB_SRCS:%.c=build/rel/%.o)
	$(quiet) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^
$(CHK_LIB): $(LIB_SRCS:%.c=build/check/%.o)
	$(quiet) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# each tool: every .c file in tools/<name>/ linked with the library
define tool_rule
build/bin/$(1): $$(patsubst %.c,build/rel/%.o,$$(wildcard tools/$(1)/*.c)) $(REL_LIB)
	@mkdir -p $$(@D)
	$$(quiet) LD $$@
	$$(Q)$$(CC) $$(REL_CFLAGS) -o $$@ $$^ $$(PC_LIBS) -lutil
build/check/bin/$(1): $$(patsubst %.c,build/check/%.o,$$(wildcard tools/$(1)/*.c)) $(CHK_LIB)
	@mkdir -p $$(@D)
	$$(quiet) LD $$@
	$$(Q)$$(CC) $$(CHK_CFLAGS) -o $$@ $$^ $$(PC_LIBS) -lutil
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

.PHONY: tools check-tools
tools: $(TOOL_BINS)
check-tools: $(CHK_BINS)

-include $(shell find build -name '*.d' 2>/dev/null)
