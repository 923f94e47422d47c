# SPDX-License-Identifier: GPL-2.0-only
# tunlab: one binary, one Makefile.  `make help` lists the targets.
#
# Each module compiles with only the include paths it may use, so an arrow
# that points the wrong way (tunnel -> tracer, dissect -> ui) fails the build:
#   ui -> tracer -> dissect -> common,  tunnel -> common,  all -> include/

VERSION := 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
DATADIR = $(PREFIX)/share/tunlab
BUILD ?= build

CFLAGS ?= -O2 -g
STD_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
	      -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# SAN=1 builds everything with AddressSanitizer and UBSan (make test uses it).
ifeq ($(SAN),1)
CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	  -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

PKGS := libpcap libtracefs libtraceevent ncursesw openssl
PKG_CFLAGS = $(shell pkg-config --cflags $(1) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null || \
	      echo -lpcap -ltracefs -ltraceevent -lncursesw -ltinfo -lssl -lcrypto)

INC_common  := -Iinclude -Icommon
INC_dissect := $(INC_common) -Idissect
INC_tunnel  := $(INC_common) -Itunnel $(call PKG_CFLAGS,openssl)
INC_tracer  := $(INC_dissect) -Itracer $(call PKG_CFLAGS,libpcap libtracefs)
INC_ui      := $(INC_tracer) -Iui $(call PKG_CFLAGS,ncursesw)
INC_labs    := $(INC_common) -Ilabs
INC_cli     := $(INC_ui) -Itunnel -Ilabs -Icli
INC_tests   := $(INC_cli)

# Libraries in link order: users before what they use.
LIBS := ui tracer labs tunnel dissect common
MODULES := $(LIBS) cli

src = $(wildcard $(1)/*.c)
obj = $(patsubst %.c,$(BUILD)/%.o,$(call src,$(1)))
LIB_FILES := $(foreach m,$(LIBS),$(if $(call src,$(m)),$(BUILD)/lib$(m).a))

BIN := $(BUILD)/tunlab
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOL_SRC := $(wildcard tests/tools/*.c)
TOOL_BIN := $(patsubst tests/tools/%.c,$(BUILD)/tests/%,$(TOOL_SRC))

ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2);
endif

GIT_VERSION := $(shell git describe --always --dirty 2>/dev/null)
DEFS := -DTL_VERSION='"$(VERSION)$(if $(GIT_VERSION), ($(GIT_VERSION)))"' \
	-DTL_DATADIR='"$(DATADIR)"'

.PHONY: all build unit-bin bench-bin test deps demo samples install uninstall clean help
.DEFAULT_GOAL := all
.SECONDARY:

all: tunlab

tunlab: $(BIN)
	$(Q)ln -sf $(BIN) tunlab

# One pattern rule per module, each with its own include paths.
define module_rule
$(BUILD)/$(1)/%.o: $(1)/%.c
	@mkdir -p $$(@D)
	$$(call say,CC,$$<)$$(CC) $$(STD_CFLAGS) $$(CFLAGS) $$(DEFS) $$(INC_$(1)) -MMD -MP -c $$< -o $$@
endef
$(foreach m,$(MODULES),$(eval $(call module_rule,$(m))))

$(BUILD)/tests/%.o: tests/unit/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(STD_CFLAGS) $(CFLAGS) $(DEFS) $(INC_tests) -MMD -MP -c $< -o $@

$(BUILD)/tests/tools/%.o: tests/tools/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(STD_CFLAGS) $(CFLAGS) $(DEFS) $(INC_tests) -MMD -MP -c $< -o $@

define lib_rule
$(BUILD)/lib$(1).a: $(call obj,$(1))
	$$(call say,AR,$$@)rm -f $$@ && $$(AR) rcs $$@ $$^
endef
$(foreach m,$(LIBS),$(eval $(call lib_rule,$(m))))

$(BIN): $(call obj,cli) $(LIB_FILES)
	$(call say,LD,$@)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(LIB_FILES)
	$(call say,LD,$@)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ -lcmocka $(PKG_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/tools/%.o $(LIB_FILES)
	$(call say,LD,$@)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Benchmarks: bench/NAME.c -> $(BUILD)/bench/NAME, linked with every module.
$(BUILD)/bench/%.o: bench/%.c
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(STD_CFLAGS) $(CFLAGS) $(DEFS) $(INC_tests) -MMD -MP -c $< -o $@

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB_FILES)
	$(call say,LD,$@)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

BENCH_BIN := $(patsubst bench/%.c,$(BUILD)/bench/%,$(wildcard bench/*.c))
bench-bin: $(BENCH_BIN)

# The man page comes from the binary's own command table, so it cannot drift
# from --help.
$(BUILD)/tunlab.1: $(BIN)
	$(call say,MAN,$@)$(BIN) help --man > $@

build: tunlab $(BUILD)/tunlab.1
unit-bin: $(UNIT_BIN) $(TOOL_BIN) $(BENCH_BIN)

# Debian packages the build, the tests and the labs need.
DEB_PKGS := gcc clang make pkg-config libc6-dev libpcap-dev libncurses-dev \
	    libssl-dev libcmocka-dev libtracefs-dev libtraceevent-dev \
	    iproute2 ethtool procps tmux tshark iperf3 netcat-openbsd \
	    iputils-ping python3

deps:
	@sh tests/deps.sh $(DEB_PKGS)

test: deps
	@$(MAKE) --no-print-directory build unit-bin
	@$(MAKE) --no-print-directory SAN=1 BUILD=$(BUILD)/asan unit-bin
	@sh tests/run.sh $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory build
	@sh labs/demo.sh $(BIN)

# The sample traces in labs/samples/ (committed; regenerate as root).
samples: build
	@sh labs/record-samples.sh $(BIN)

install: build
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(DATADIR)
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/tunlab
	install -m 0644 $(BUILD)/tunlab.1 $(DESTDIR)$(PREFIX)/share/man/man1/tunlab.1
	cp -R labs $(DESTDIR)$(DATADIR)/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/tunlab \
		$(DESTDIR)$(PREFIX)/share/man/man1/tunlab.1
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf $(BUILD) tunlab

help:
	@echo 'make            build ./tunlab'
	@echo 'make test       install missing packages, build, run every test tier'
	@echo 'make demo       install missing packages, build, run the demo'
	@echo 'make deps       install missing Debian packages (apt-get, as root)'
	@echo 'make install    PREFIX=/usr/local DESTDIR= : binary, man page, labs'
	@echo 'make bench-bin  build the benchmarks (bench/README.md)'
	@echo 'make samples    record labs/samples/*.pcapng again (root)'
	@echo 'make CC=clang   build with clang;  V=1 shows full commands'
	@echo 'make SAN=1      build with ASan+UBSan (into BUILD=...)'

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
