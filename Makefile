# servin — build.
#
#   make          build/bin/servin, servin-shim, servin-desktop, libservin.a, default image
#   make deps     install the Debian packages the build and the tests need
#   make test     deps + build + unit tests (ASan+UBSan) + end-to-end tests
#   make run      deps + build + start servin-desktop
#   make bench    side-by-side benchmarks (bench/README.md)
#   make proof    full fuzzing, crash, concurrency and soak runs (README "Proof")
#   make dist     release files in build/dist: Linux tar.gz, .run, .deb; Windows
#                 setup .exe; macOS .dmg (installers/README.md)
#
# Two variants share the sources: build/obj (the shipped binaries, -O2) and
# build/asan (unit tests and fuzzers: sanitizers on, every symbol visible).

.DEFAULT_GOAL := all
SHELL := /bin/bash
MAKEFLAGS += --no-builtin-rules

BUILD   ?= build
WERROR  ?= 1
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GITREV  := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

PKGS := libcurl libarchive libcjson sqlite3 libuv libseccomp libcap libzstd libisal libssl libcrypto zlib libnftables libmnl
TUI_PKGS := ncursesw
CLI_PKGS := readline

WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wwrite-strings -Wcast-qual -Wpointer-arith \
	-Wundef -Wvla -Wimplicit-fallthrough -Wnull-dereference -fno-common
ifeq ($(WERROR),1)
WARN += -Werror
endif

# pkg-config runs once per make invocation (:= after the guard), so a fresh
# machine must run `make deps` first; `make test` and `make run` do that in
# a sub-make that re-reads this file once the packages exist.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(TUI_PKGS) $(CLI_PKGS) 2>/dev/null)
# libcurl and libarchive are not linked: core/util/lazy-stubs.c loads
# them on first use (mk/gen-lazy.py says why).
LAZY_PKGS  := libcurl libarchive libssl libcrypto libnftables
# sqlite, zstd and libcap are linked statically (permissive licences, and
# every servin command starts faster without their symbol relocations).
# zlib stays shared: it is in every Debian system, and Debian's policy (and
# lintian's embedded-library check) wants its one copy used.
STATIC_PKGS := sqlite3 libzstd libcap
PKG_LIBS   := -Wl,-Bstatic $(shell pkg-config --libs $(STATIC_PKGS) 2>/dev/null) -Wl,-Bdynamic \
	$(shell pkg-config --libs $(filter-out $(LAZY_PKGS) $(STATIC_PKGS),$(PKGS)) 2>/dev/null) -lpthread -ldl -lm
TUI_LIBS   := $(shell pkg-config --libs $(TUI_PKGS) 2>/dev/null)
CLI_LIBS   := $(shell pkg-config --libs $(CLI_PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

CPPFLAGS := -D_GNU_SOURCE -I. -Icore -I$(BUILD)/gen -DSV_VERSION='"$(VERSION)"' -DSV_GITREV='"$(GITREV)"'
OPT_CFLAGS  := -O2 -g -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fvisibility=hidden -fPIE
ASAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=all -DSV_TESTING=1
LDFLAGS  := -pie -Wl,-z,relro,-z,now
ASAN_LDFLAGS := -fsanitize=address,undefined

CORE_SRC := $(sort $(wildcard core/*/*.c))
CLI_SRC  := $(filter-out app/cli/main.c,$(sort $(wildcard app/cli/*.c app/api/*.c)))
TUI_SRC  := $(filter-out app/tui/main.c,$(sort $(wildcard app/tui/*.c views/*.c widgets/*.c themes/*.c)))
SHIM_SRC := $(filter-out app/shim/ctl.c,$(sort $(wildcard app/shim/*.c)))
CTL_SRC  := $(wildcard app/shim/ctl.c)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_HELPERS := $(sort $(wildcard tests/unit/helpers/*.c))
HEADERS  := $(sort $(wildcard core/*/*.h app/*/*.h views/*.h widgets/*.h themes/*.h))

ifeq ($(V),1)
Q :=
quiet = @true #
else
Q := @
quiet = @printf '  %-6s %s\n'
endif

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
aobj = $(patsubst %.c,$(BUILD)/asan/%.o,$(1))

LIB      := $(BUILD)/libservin.a
CLILIB   := $(BUILD)/obj/libservin-cli.a
TUILIB   := $(BUILD)/obj/libservin-tui.a
ALIB     := $(BUILD)/asan/libservin.a
ACLILIB  := $(BUILD)/asan/libservin-cli.a
ATUILIB  := $(BUILD)/asan/libservin-tui.a
BINS     := $(BUILD)/bin/servin $(BUILD)/bin/servin-desktop $(if $(SHIM_SRC),$(BUILD)/bin/servin-shim) \
	$(if $(CTL_SRC),$(BUILD)/bin/servin-shim-ctl)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(UNIT_SRC))
DEFAULT_IMAGE := $(BUILD)/share/servin/busybox.oci.tar
GUI_SRC  := $(sort $(wildcard gui/*.py gui/templates/*.html gui/static/*.css gui/static/*.svg gui/static/js/*.js))
GUI_PYZ  := $(BUILD)/servin-gui.pyz

# Fuzzers (libFuzzer): every tests/fuzz/*-fuzzer.c, with clang.
FUZZ_CC   ?= clang
FUZZ_TIME ?= 60
FUZZ_SRC  := $(sort $(wildcard tests/fuzz/*-fuzzer.c))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -DSV_FUZZING=1
fobj = $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(1))

.PHONY: all deps test run check unit tsan e2e lint check-headers clean bench proof fuzz fuzz-bins fuzz-check dist gui

all: $(BINS) $(LIB) $(DEFAULT_IMAGE) $(GUI_PYZ)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(quiet) CC $<
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(OPT_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(@D)
	$(quiet) CC-ASAN $<
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(ASAN_CFLAGS) -MMD -MP -c $< -o $@

# ThreadSanitizer build of the unit tests that exercise threads.
TSAN_TESTS ?= test_store test_image_unpack
$(BUILD)/tsan/%.o: %.c
	@mkdir -p $(@D)
	$(quiet) CC-TSAN $<
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) -O1 -g -fsanitize=thread -DSV_TESTING=1 -MMD -MP -c $< -o $@

$(BUILD)/tsan/libservin.a: $(patsubst %.c,$(BUILD)/tsan/%.o,$(CORE_SRC))
	@rm -f $@; ar rcs $@ $^

$(BUILD)/tsan/tests/%: $(BUILD)/tsan/tests/unit/%.o $(patsubst %.c,$(BUILD)/tsan/%.o,$(UNIT_HELPERS)) $(BUILD)/tsan/libservin.a
	@mkdir -p $(@D)
	$(quiet) LD $@
	$(Q)$(CC) -fsanitize=thread -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)

tsan: $(patsubst %,$(BUILD)/tsan/tests/%,$(TSAN_TESTS))
	@TSAN_OPTIONS=halt_on_error=1 tests/unit/run.sh $^

$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(quiet) CC-FUZZ $<
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(PKG_CFLAGS) -std=c11 -Wall -Wextra -Werror -Wno-unused-command-line-argument \
		$(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/fuzz/libservin-all.a: $(call fobj,$(CORE_SRC) $(CLI_SRC) $(TUI_SRC))
	@rm -f $@; ar rcs $@ $^

$(BUILD)/fuzz/%-fuzzer: $(BUILD)/fuzz/obj/tests/fuzz/%-fuzzer.o $(BUILD)/fuzz/libservin-all.a
	$(quiet) LD $@
	$(Q)$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(TUI_LIBS) $(CLI_LIBS) $(PKG_LIBS)

$(LIB): $(call obj,$(CORE_SRC))
	@rm -f $@; ar rcs $@ $^
$(CLILIB): $(call obj,$(CLI_SRC))
	@rm -f $@; ar rcs $@ $^
$(TUILIB): $(call obj,$(TUI_SRC)) $(if $(TUI_SRC),,$(BUILD)/obj/empty.o)
	@rm -f $@; ar rcs $@ $^
$(ALIB): $(call aobj,$(CORE_SRC))
	@rm -f $@; ar rcs $@ $^
$(ACLILIB): $(call aobj,$(CLI_SRC))
	@rm -f $@; ar rcs $@ $^
$(ATUILIB): $(call aobj,$(TUI_SRC)) $(if $(TUI_SRC),,$(BUILD)/asan/empty.o)
	@rm -f $@; ar rcs $@ $^

# The desktop GUI (gui/): one zipapp for /usr/bin/python3 with Debian's
# python3-flask and python3-webview; its files are read from inside the zip.
gui: $(GUI_PYZ)
$(GUI_PYZ): $(GUI_SRC)
	@rm -rf $(BUILD)/gui-pyz && mkdir -p $(BUILD)/gui-pyz
	$(quiet) ZIPAPP $@
	$(Q)cd gui && cp --parents $(patsubst gui/%,%,$(GUI_SRC)) $(abspath $(BUILD))/gui-pyz/
	$(Q)printf 'import sys\nimport main\nsys.exit(main.main())\n' > $(BUILD)/gui-pyz/__main__.py
	$(Q)/usr/bin/python3 -m zipapp $(BUILD)/gui-pyz -o $@ -p /usr/bin/python3 -c

$(BUILD)/obj/empty.o $(BUILD)/asan/empty.o:
	@mkdir -p $(@D); echo 'typedef int sv_empty_unit;' | $(CC) -x c -c - -o $@

$(BUILD)/bin/servin: $(call obj,app/cli/main.c) $(CLILIB) $(LIB)
	@mkdir -p $(@D)
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CLI_LIBS) $(PKG_LIBS)

$(BUILD)/bin/servin-desktop: $(call obj,app/tui/main.c) $(TUILIB) $(CLILIB) $(LIB)
	@mkdir -p $(@D)
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(TUI_LIBS) $(CLI_LIBS) $(PKG_LIBS)

# servin-shim runs beside every container for its whole life: static, and
# linked only with the few libservin objects it needs (no store, no cJSON).
$(BUILD)/bin/servin-shim: $(call obj,$(SHIM_SRC)) $(LIB)
	@mkdir -p $(@D)
	$(quiet) LD $@
	$(Q)$(CC) -static-pie -Wl,-z,relro,-z,now -Wl,--gc-sections -o $@ $^

# servin-shim-ctl starts containers and records their exits: dynamic, but
# --as-needed keeps the image archive libraries (libarchive...) out.
$(BUILD)/bin/servin-shim-ctl: $(call obj,$(CTL_SRC)) $(LIB)
	@mkdir -p $(@D)
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) -Wl,--as-needed -o $@ $^ $(PKG_LIBS)

$(BUILD)/asan/tests/%: $(BUILD)/asan/tests/unit/%.o $(call aobj,$(UNIT_HELPERS)) $(ATUILIB) $(ACLILIB) $(ALIB)
	@mkdir -p $(@D)
	$(quiet) LD $@
	$(Q)$(CC) $(ASAN_LDFLAGS) -o $@ $^ $(TUI_LIBS) $(CLI_LIBS) $(PKG_LIBS) $(CMOCKA_LIBS)

# The built-in themes are compiled in from their JSON files.
THEME_JSON := $(sort $(wildcard themes/*.json))
$(BUILD)/gen/theme-data.inc: themes/gen.sh $(THEME_JSON)
	@mkdir -p $(@D)
	$(quiet) GEN $@
	$(Q)themes/gen.sh $@ $(THEME_JSON)
$(call obj,themes/theme.c) $(call aobj,themes/theme.c) $(call fobj,themes/theme.c): $(BUILD)/gen/theme-data.inc

# servin-init: the runtime's in-container helper (core/runtime/init/), a
# small static program embedded in libservin as bytes and exec'd from a
# sealed memfd (core/runtime/spawn.c). Both library variants embed the same
# (uninstrumented) build.
INIT_SRC := $(sort $(wildcard core/runtime/init/*.c)) core/runtime/plan.c \
	core/util/buf.c core/util/err.c core/util/fs.c core/util/log.c core/util/mem.c core/util/msg.c core/util/path.c \
	core/util/str.c
INIT_BIN := $(BUILD)/gen/servin-init
INIT_BLOB := $(BUILD)/gen/runtime-init-blob.o
# Docker's default seccomp profile (moby profiles/seccomp/default.json), as data.
SECCOMP_BLOB := $(BUILD)/gen/runtime-seccomp-default.o

# Embeds $< as bytes between the symbols $(1) and $(1)_end, NUL-terminated.
embed = printf '\t.section .rodata\n\t.balign 16\n\t.globl $(1)\n\t.globl $(1)_end\n$(1):\n\t.incbin "%s"\n$(1)_end:\n\t.byte 0\n\t.section .note.GNU-stack,"",@progbits\n' $< \
	| $(CC) -x assembler -c - -o $@

$(INIT_BIN): $(call obj,$(INIT_SRC))
	@mkdir -p $(@D)
	$(quiet) LD $@
	$(Q)$(CC) -static-pie -s -Wl,-z,relro,-z,now -Wl,--gc-sections -o $@ $^ -l:libcap.a

$(INIT_BLOB): $(INIT_BIN)
	$(quiet) EMBED $@
	$(Q)$(call embed,sv_runtime_init_blob)

$(SECCOMP_BLOB): core/runtime/seccomp-default.json
	@mkdir -p $(@D)
	$(quiet) EMBED $@
	$(Q)$(call embed,sv_runtime_seccomp_default)

$(LIB) $(ALIB) $(BUILD)/tsan/libservin.a $(BUILD)/fuzz/libservin-all.a: $(INIT_BLOB) $(SECCOMP_BLOB)

# The default image: busybox-static from the host, as an OCI archive.
$(DEFAULT_IMAGE): tests/fixtures/mkimage.sh
	@mkdir -p $(@D)
	$(quiet) IMAGE $@
	$(Q)tests/fixtures/mkimage.sh busybox --out $@ --tag busybox:latest

deps:
	@mk/deps.sh

# test and run re-enter make after deps, so pkg-config sees the new packages.
test:
	@mk/deps.sh
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory check

check: lint unit tsan fuzz-check e2e

fuzz-bins: $(FUZZ_BINS)

# `make fuzz` explores for FUZZ_TIME seconds per target; `make test` runs
# each for 10 s (fuzz-check), after replaying every recorded regression.
fuzz: fuzz-bins
	@tests/fuzz/run.sh $(FUZZ_TIME) $(FUZZ_BINS)

fuzz-check: fuzz-bins
	@tests/fuzz/run.sh 10 $(FUZZ_BINS)

unit: $(UNIT_BINS)
	@tests/unit/run.sh $(UNIT_BINS)

e2e: all
	@tests/e2e/run.sh

# The core never writes to stdout or stderr (it logs through the sink);
# allowed: an abort for OOM (util/mem.c) or a library that cannot load
# (util/lazy.c), and servin-init (runtime/init/), a separate program whose
# stderr is the container's.
CORE_STDIO := '\b(printf|puts|perror|putchar|vprintf)\(|\b(v?fprintf|fputs|fwrite|fputc|putc)\(.*\b(stdout|stderr)\b|\b(write|dprintf|vdprintf)\((1|2|STDOUT_FILENO|STDERR_FILENO) *,'
CORE_STDIO_OK := '^core/runtime/init/|^core/util/(mem|lazy)\.c:'

lint: check-headers
	@! grep -rlE 'curses|readline' core/ || { echo "core/ must not use curses or readline"; exit 1; }
	@! grep -rnE $(CORE_STDIO) core/ | grep -vE $(CORE_STDIO_OK) || { echo "core/ must not write to stdout or stderr"; exit 1; }

check-headers:
	@for h in $(HEADERS); do \
	  echo '#include "'$$h'"' | $(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) -x c -fsyntax-only - || exit 1; \
	done

run:
	@mk/deps.sh
	@$(MAKE) --no-print-directory all
	@$(BUILD)/bin/servin-desktop

bench: all
	@bench/run.sh $(if $(QUICK),--quick)

# The full proof (README "Proof"): every fuzzer for FUZZ_TIME s, 200 kills
# each during image and container commands, 4 x 50 concurrent cycles with
# the TUI and `servin serve` open, and the 200-container soak (SOAK_SECONDS).
proof: all fuzz-bins
	@tests/fuzz/run.sh $(FUZZ_TIME) $(FUZZ_BINS)
	@CRASH_KILLS=200 bash tests/e2e/crash-images.sh
	@CRASH_KILLS=200 bash tests/e2e/crash-containers.sh
	@CONC_WORKERS=4 CONC_CYCLES=50 bash tests/e2e/concurrency.sh
	@bash tests/proof/soak.sh

# Release files, the GUI's zipapp among them (made by `all`).
dist: all
	@installers/linux/mkdist.sh $(BUILD) $(VERSION)
	@installers/windows/mkdist.sh $(BUILD) $(VERSION)
	@installers/macos/mkdist.sh $(BUILD) $(VERSION)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Keep intermediate objects (pattern chains would delete them).
.SECONDARY:
