# vmx-diff: build the VMX image, boot it on every platform, compare.
# `make help` lists the targets.  Out of tree: O=build (default).

MAKEFLAGS += -rR --no-print-directory
O ?= build
V ?= 0
Q := $(if $(filter 1,$(V)),,@)
PY := /usr/bin/python3
PLATFORM ?= bochs27-skylake_x
SCENARIO ?=
SCENARIOS ?=
ARGS ?=
export PYTHONDONTWRITEBYTECODE := 1
# The harness reads the build from here (harness/tables.py DEFAULT_BUILD): O= works for every target.
export VMXDIFF_BUILD := $(abspath $(O))

CC := gcc
CFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
	-fno-asynchronous-unwind-tables -mno-red-zone -mgeneral-regs-only -mcmodel=small \
	-fno-omit-frame-pointer -Wall -Wextra -Werror -Icore/include -Icore/model -MMD -MP
ASFLAGS := -Icore/include -MMD -MP
LDFLAGS := -nostdlib -static -no-pie -Wl,-n -Wl,--build-id=none -Wl,--no-warn-rwx-segments -Wl,-T,core/boot/linker.ld

DEFS := $(wildcard core/include/*.def)
SRCS_C := $(wildcard core/*.c core/lib/*.c core/vmx/*.c core/model/*.c guests/*.c)
SRCS_C := $(filter-out core/gen_tables.c,$(SRCS_C))
SRCS_S := $(filter-out core/boot/diskboot.S,$(wildcard core/boot/*.S core/vmx/*.S))
OBJS := $(patsubst %.c,$(O)/obj/%.o,$(SRCS_C)) $(patsubst %.S,$(O)/obj/%.o,$(SRCS_S))

TABLES_HASH := $(shell cat $(sort $(DEFS)) | sha256sum | cut -c1-8)
BUILD_ID := $(shell cat $(sort $(DEFS) $(SRCS_C) $(SRCS_S)) core/boot/linker.ld | sha256sum | cut -c1-12)

TOOLS := gcc ld objcopy nm grub-mkrescue xorriso
.PHONY: all help deps image run check test unit bench report debug repro bochs3 clean fuzz

all: image

help:
	@echo "make run      boot PLATFORM=$(PLATFORM) and print a per-scenario summary"
	@echo "              (SCENARIOS='vmcall*,exit_*' selects; ARGS='vmcall_loop.count=100'; SHARD=K/N boots"
	@echo "              part K of N and writes its results for make report to merge)"
	@echo "make check    build, boot every platform, compare, run all tests (pytest; JOBS=2 xdist workers)"
	@echo "make unit     parser/comparison unit tests only (no emulator; builds tables/catalog)"
	@echo "make bench    benchmarks: boot time, per-scenario cost, exits/s, sweep cases/s, trace records/s"
	@echo "              (ARGS=\"--platforms 'bochs*' --repeat 1\" narrows it)"
	@echo "make fuzz [SEED=1 N=200 PLATFORM=bochs30-skylake_x]   seeded random VM entries vs the SDM model,"
	@echo "              mismatches minimised into repro kits"
	@echo "make report   rebuild reports/index.html from reports/history/*.json, shards merged"
	@echo "              (ARGS='dir/ a.json' merges those files instead)"
	@echo "make debug SCENARIO=id [PLATFORM=...]   Bochs debugger at the scenario's entry"
	@echo "make repro SCENARIO=id [PLATFORM=...]   self-contained bug-report folder + tarball"
	@echo "make bochs3   build Bochs 3.0 from Debian's trixie source (cached)"
	@echo "make image    build $(O)/vmxdiff.elf, .elf32, .iso, diskboot.bin, tables.json, scenarios.json"
	@echo "make deps     install the Debian packages the project needs (root)"
	@echo "make clean    remove $(O)/"
	@echo "V=1 echoes commands; O=dir moves the build (every target reads it from there)."
	@echo "VMXDIFF_REPORTS=dir moves reports/. make exits 2 on any failure: python3 -m harness"
	@echo "gives the distinct exit codes (harness/cli.py)."

deps:
	$(Q)$(PY) -c 'import sys' 2>/dev/null || { echo "error: $(PY) not found (apt-get install python3)"; exit 1; }
	$(Q)sh harness/deps.sh

image: deps $(O)/vmxdiff.elf32 $(O)/diskboot.bin $(O)/vmxdiff.iso $(O)/tables.json $(O)/scenarios.json $(O)/libvmxmodel.so

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -DBUILD_ID='"$(BUILD_ID)"' -DTABLES_HASH='"$(TABLES_HASH)"' -c $< -o $@

$(O)/obj/%.o: %.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS      $<")
	$(Q)$(CC) $(ASFLAGS) -c $< -o $@

$(O)/vmxdiff.elf: $(OBJS) core/boot/linker.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(OBJS)

# QEMU's -kernel multiboot loader takes 32-bit ELF only; GRUB boots it too.
$(O)/vmxdiff.elf32: $(O)/vmxdiff.elf
	@$(if $(Q),echo "  OBJCOPY $@")
	$(Q)objcopy -O elf32-i386 $< $@

# The loader of the boot disk Bochs boots from (harness/bootdisk.py): real mode, at 0x7c00.
$(O)/diskboot.bin: core/boot/diskboot.S core/include/boot_disk.def core/include/multiboot.h
	@mkdir -p $(O)/obj/core/boot
	@$(if $(Q),echo "  AS      $@")
	$(Q)$(CC) -m32 -c -Icore/include -Wa,--fatal-warnings $< -o $(O)/obj/core/boot/diskboot16.o
	$(Q)ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o $@.tmp $(O)/obj/core/boot/diskboot16.o && mv $@.tmp $@

$(O)/gen_tables: core/gen_tables.c $(DEFS)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -O1 -Wall -Wextra -Werror -Icore/include -o $@ $<

# The VM-entry model (core/model) built for the host: harness/vmxmodel.py loads it.
MODEL_SRCS := $(wildcard core/model/*.c)
$(O)/libvmxmodel.so: $(MODEL_SRCS) $(wildcard core/model/*.h) $(DEFS) core/include/vmx.h core/include/types.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) -std=gnu11 -O2 -fPIC -shared -Wall -Wextra -Werror -Icore/include -Icore/model -o $@.tmp $(MODEL_SRCS) && mv $@.tmp $@

$(O)/tables.json: $(O)/gen_tables
	@$(if $(Q),echo "  GEN     $@")
	$(Q)$< $(TABLES_HASH) > $@.tmp && mv $@.tmp $@

$(O)/scenarios.json: $(O)/vmxdiff.elf $(O)/tables.json harness/elfinfo.py harness/spec.py
	@$(if $(Q),echo "  GEN     $@")
	$(Q)$(PY) -m harness.elfinfo $< > $@.tmp && mv $@.tmp $@

$(O)/vmxdiff.iso: $(O)/vmxdiff.elf32 harness/iso.py
	@$(if $(Q),echo "  ISO     $@")
	$(Q)$(PY) -m harness.iso $< $@

run: image
	$(Q)$(PY) -m harness run --platform $(PLATFORM) $(if $(SCENARIOS),--scenarios '$(SCENARIOS)') $(if $(SHARD),--shard $(SHARD)) $(ARGS)

# The unit tests read the fact tables and the catalog: build them first (a fresh clone has neither).
unit: $(O)/tables.json $(O)/scenarios.json $(O)/libvmxmodel.so
	$(Q)$(PY) -m pytest -q -rs harness/tests

# Two pytest-xdist workers: one boots the platforms and runs the catalog's tests (conftest.py groups
# them), the other the tests that boot emulators of their own; harness/pytest_plugin.py prints the
# catalog worker's summary.  JOBS=0: one process.
JOBS ?= 2
check: image
	$(Q)$(PY) -m pytest -p harness.pytest_plugin -n $(JOBS) --dist loadgroup --junitxml=$(or $(VMXDIFF_REPORTS),reports)/junit.xml $(ARGS)

test: check

bench: image
	$(Q)$(PY) -m harness bench $(ARGS)

SEED ?= 1
N ?= 200
fuzz: image
	$(Q)$(PY) -m harness fuzz --seed $(SEED) --n $(N) $(if $(filter command line environment,$(origin PLATFORM)),--platform $(PLATFORM)) $(ARGS)

# ARGS: results/history files or folders to merge instead of reports/history/ (shards of other machines).
report:
	$(Q)$(PY) -m harness report $(ARGS)

debug: image
	$(Q)test -n "$(SCENARIO)" || { echo "error: make debug needs SCENARIO=<id>"; exit 2; }
	$(Q)$(PY) -m harness debug --scenario $(SCENARIO) --platform $(PLATFORM) $(ARGS)

repro: image
	$(Q)test -n "$(SCENARIO)" || { echo "error: make repro needs SCENARIO=<id>"; exit 2; }
	$(Q)$(PY) -m harness repro --scenario $(SCENARIO) --platform $(PLATFORM) $(ARGS)

bochs3: deps
	$(Q)$(PY) -m harness.bochs_build

clean:
	rm -rf $(O)

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
