# mamba.h - builds the examples, tests and benchmarks. Nothing here is needed
# to use the library: copy mamba.h into your project.
#
#   make            build the command-line tools into build/
#   make help       list the targets
#   make run        generate text with the bundled default model
#   make check      the quick pass: the main suites, native and under ASan+UBSan
#   make test       every test, in several build configurations + sanitizers
#   make bench      speed figures (build/mamba-bench)
#   make firmware   bare-metal Cortex-M4F image (build/firmware.elf); make firmware-run

# plain `make` builds the tools (the first rule below is the firmware model's)
.DEFAULT_GOAL := all

CC      ?= cc
CXX     ?= c++
# -O2 without fast-math: results stay IEEE and reproducible. -march=native
# picks the vector kernels (AVX-512, AVX2, NEON) this machine has; override
# with e.g. `make CFLAGS=-O2` for a portable scalar build.
CFLAGS  ?= -O2 -march=native
# OpenMP threads where the compiler has them (make OPENMP=0 to build without).
OPENMP  ?= $(shell echo 'int main(void){return 0;}' | $(CC) -fopenmp -x c - -o /dev/null 2>/dev/null && echo 1 || echo 0)
ifeq ($(OPENMP),1)
OMPFLAGS := -fopenmp
endif
# Warnings are errors in every build of ours.
WARN    := -std=c11 -Wall -Wextra -Wpedantic -Werror
LDLIBS  := -lm
# The sanitizer build of the test suite (clang if present, else cc).
SANCC   ?= $(shell command -v clang >/dev/null 2>&1 && echo clang || echo $(CC))
SAN     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
SHARED  ?= tests/data/shared
# AArch64 NEON: cross-built and run under qemu when both are installed.
ARMCC   ?= aarch64-linux-gnu-gcc
QEMU    ?= qemu-aarch64
HAVE_ARM := $(shell command -v $(ARMCC) >/dev/null 2>&1 && command -v $(QEMU) >/dev/null 2>&1 && echo 1)
IS_X86  := $(shell $(CC) -dumpmachine | grep -q '^x86_64' && echo 1)

TOOLS   := build/mamba-logits build/mamba-generate build/mamba-tokenize build/mamba-perplexity build/mamba-quantize \
           build/mamba-server build/mamba-longcal
# the model suites, one file each in tests/ (test_goldens.c, ...), every one
# built in every configuration below
SUITES  := goldens gguf_reader gguf_writer state arena bad_input sampler long
suites   = $(foreach s,$(SUITES),build/$(1)test_$(s)$(2))
TESTS   := $(call suites,,) $(call suites,,_nosimd) $(call suites,,_nostdio) $(call suites,,_cxx) \
           $(call suites,,_san) build/test_kernels build/test_kernels_nosimd build/test_kernels_cxx build/test_kernels_gnu build/test_cli \
           build/test_tokenizer build/test_tokenizer_san build/test_tokenizer_cxx build/test_readme \
           build/test_api build/test_api_san build/test_spm build/test_spm_san build/test_spm_cxx \
           build/test_formats build/test_formats_san build/test_formats_cxx \
           build/test_sections_notok build/test_sections_nowriter build/test_sections_nost build/test_sections_min
# the serving suite (batch, prefix cache, ring; issue 16): every configuration
# but nostdio (it loads the goldens from files)
TESTS   += build/test_serve build/test_serve_nosimd build/test_serve_san build/test_serve_cxx
# what every test file includes
TEST_H  := tests/test.h tests/fixtures.h
# the fuzz drivers under ASan+UBSan, replaying the seeds tests/fuzz/make_seeds.sh
# makes from the test data (build/fuzz/seeds/<driver>/) and tests/corpus/<driver>/
# (crashes found before)
FUZZERS := json safetensors config tokenizer_json encode decode model gguf state spm torch
TESTS   += $(addprefix fuzz:build/fuzz_replay_,$(FUZZERS))
# (made by the rule below; set here, before BUILT takes it)
SEEDS   := build/fuzz/seeds/.made
# the drivers that have a crash corpus (the valgrind replays take only that)
CORPUS  := $(notdir $(wildcard tests/corpus/*))
ifeq ($(IS_X86),1)
TESTS   += $(call suites,,_avx2) build/test_kernels_avx2 build/test_serve_avx2
endif
ifeq ($(HAVE_ARM),1)
TESTS   += $(addprefix $(QEMU):,$(call suites,,_neon)) $(QEMU):build/test_kernels_neon $(QEMU):build/test_serve_neon
endif
# valgrind (memcheck: zero errors, zero definite/indirect/possible leaks) over
# the main suites, the corpus replays and the command-line tools, when it is
# installed (make VALGRIND=0 to skip). Built without OpenMP (its thread pool
# is not ours to free) and at most AVX2: valgrind 3.19 has no AVX-512.
VALGRIND ?= $(shell command -v valgrind >/dev/null 2>&1 && echo 1 || echo 0)
VGFLAGS := -O1 -g $(if $(IS_X86),-march=x86-64-v3)
ifeq ($(VALGRIND),1)
VGBIN   := $(call suites,vg/,) build/vg/test_tokenizer build/vg/test_spm build/vg/test_kernels build/vg/test_serve build/vg/test_formats $(addprefix build/vg/fuzz_replay_,$(CORPUS))
TESTS   += $(addprefix vg:,$(VGBIN)) vgtools:build/test_cli
VGTOOLS := $(subst build/,build/vg/,$(TOOLS))   # mamba-server too: test_cli checks its --help and usage errors
endif
BUILT   := $(subst $(QEMU):,,$(subst fuzz:,,$(subst vg:,,$(subst vgtools:,,$(TESTS))))) $(VGTOOLS) $(SEEDS)

# Firmware: Cortex-M4F (QEMU mps2-an386) with Debian's gcc-arm-none-eabi +
# newlib-nano, run under qemu-system-arm; a RISC-V compile+link check with
# riscv64-unknown-elf-gcc + picolibc. make test runs both when the tools are
# installed and says so when they are not.
FWCC    ?= arm-none-eabi-gcc
FWSIZE  ?= arm-none-eabi-size
QEMU_ARM ?= qemu-system-arm
RVCC    ?= riscv64-unknown-elf-gcc
FW_ARCH := -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
FW_CFLAGS := $(FW_ARCH) -O2 $(WARN) -ffunction-sections -fdata-sections -fstack-usage -fcallgraph-info=su
FW_LDFLAGS := $(FW_ARCH) --specs=nano.specs -nostartfiles -T examples/firmware/mps2_an386.ld -Wl,--gc-sections \
              -Wl,--no-warn-rwx-segments -Wl,-z,noexecstack
RV_ARCH := -march=rv32imafc -mabi=ilp32f --specs=picolibc.specs
RV_LDFLAGS := $(RV_ARCH) -Wl,--gc-sections -Wl,--defsym=__flash=0x20000000 -Wl,--defsym=__flash_size=0x800000 \
              -Wl,--defsym=__ram=0x80000000 -Wl,--defsym=__ram_size=0x400000 -Wl,--defsym=__stack_size=0x10000
QEMU_ARM_RUN := $(QEMU_ARM) -M mps2-an386 -cpu cortex-m4 -display none -serial none -monitor none \
              -semihosting-config enable=on,target=native -kernel build/firmware.elf
# each toolchain counts as present when it links a program with its C library
HAVE_FW := $(shell echo 'int main(void){return 0;}' | $(FWCC) $(FW_ARCH) --specs=nano.specs --specs=nosys.specs -x c - \
             -o /dev/null 2>/dev/null && command -v $(QEMU_ARM) >/dev/null 2>&1 && echo 1)
HAVE_RV := $(shell echo 'int main(void){return 0;}' | $(RVCC) $(RV_ARCH) -x c - -o /dev/null 2>/dev/null && echo 1)
FW_SRC  := examples/firmware/startup.c examples/firmware/mps2_an386.ld examples/firmware/model.S mamba.h
# The firmware's model: the bundled one as a Q8_0 GGUF with its tokenizer.
FW_MODEL_SRC := models/shakespeare-tiny
build/fw-model.gguf: build/mamba-quantize $(FW_MODEL_SRC)/model.safetensors | build
	./build/mamba-quantize $(FW_MODEL_SRC) $@ Q8_0

build/fw/%.o: examples/firmware/%.c mamba.h | build
	@mkdir -p build/fw
	$(FWCC) $(FW_CFLAGS) -c $< -o $@
build/fw/model.o: examples/firmware/model.S build/fw-model.gguf | build
	@mkdir -p build/fw
	$(FWCC) $(FW_ARCH) -DFW_MODEL='"build/fw-model.gguf"' -c $< -o $@
build/firmware.elf: build/fw/startup.o build/fw/main.o build/fw/model.o examples/firmware/mps2_an386.ld
	$(FWCC) $(FW_LDFLAGS) -Wl,-Map=build/fw/firmware.map build/fw/startup.o build/fw/main.o build/fw/model.o -lm -o $@
# the smallest image: GGUF reader + forward + sampler, token ids in and out
build/firmware-minimal.elf: build/fw/startup.o build/fw/minimal.o build/fw/model.o examples/firmware/mps2_an386.ld
	$(FWCC) $(FW_LDFLAGS) -Wl,-Map=build/fw/firmware-minimal.map build/fw/startup.o build/fw/minimal.o build/fw/model.o -lm -o $@
build/firmware-baseline.elf: build/fw/startup.o build/fw/baseline.o build/fw/model.o examples/firmware/mps2_an386.ld
	$(FWCC) $(FW_LDFLAGS) build/fw/startup.o build/fw/baseline.o build/fw/model.o -lm -o $@
# the host side of the comparison: the same GGUF, scalar kernels, no threads
build/fwhost/mamba-generate-scalar: examples/generate.c mamba.h | build
	@mkdir -p build/fwhost
	$(CC) $(WARN) -O2 -DMAMBA_NO_SIMD $< -o $@ $(LDLIBS)
build/fwrv/%.o: examples/firmware/%.c mamba.h | build
	@mkdir -p build/fwrv
	$(RVCC) $(RV_ARCH) -O2 $(WARN) -ffunction-sections -fdata-sections -c $< -o $@
build/fwrv/model.o: examples/firmware/model.S build/fw-model.gguf | build
	@mkdir -p build/fwrv
	$(RVCC) $(RV_ARCH) -DFW_MODEL='"build/fw-model.gguf"' -c $< -o $@
build/firmware-riscv.elf: build/fwrv/main.o build/fwrv/riscv.o build/fwrv/model.o
	$(RVCC) $(RV_LDFLAGS) $^ -lm -o $@

# sizes per section with and without the library (the full image, then the
# minimal one), and the stack bound
firmware: build/firmware.elf build/firmware-minimal.elf build/firmware-baseline.elf
	@for img in firmware firmware-minimal; do echo "build/$$img.elf:"; \
	  for s in text rodata data bss model; do \
	    a=$$($(FWSIZE) -A build/$$img.elf | awk -v s=.$$s '$$1 == s {print $$2}'); \
	    b=$$($(FWSIZE) -A build/firmware-baseline.elf | awk -v s=.$$s '$$1 == s {print $$2}'); \
	    printf '  .%-7s %9d bytes, %9d without the library: %d\n' $$s $${a:-0} $${b:-0} $$(( $${a:-0} - $${b:-0} )); done; done
	@python3 tools/stack_bound.py main build/fw/main.ci build/fw/startup.ci | head -n 3
firmware-run: build/firmware.elf
	$(QEMU_ARM_RUN)

ifeq ($(HAVE_FW),1)
FW_BUILT := build/firmware.elf build/firmware-minimal.elf build/firmware-baseline.elf build/fwhost/mamba-generate-scalar build/mamba-generate
endif
ifeq ($(HAVE_RV),1)
FW_BUILT += build/firmware-riscv.elf
endif
TESTS   += sh:tests/test_firmware.sh sh:tests/test_first_contact.sh sh:tests/test_packaging.sh
# mamba-server under real clients (openai npm, curl, raw sockets), also its ASan build
TESTS   += sh:tests/test_server.sh

.PHONY: all help run test check install bench bench-avx2 bench-server clean goldens fuzz fuzz-ci firmware firmware-run

help:
	@echo 'make              build the command-line tools into build/ (mamba-generate, -logits, -tokenize, -perplexity, -quantize, -server)'
	@echo 'make run          generate Shakespeare with the bundled model (models/shakespeare-tiny)'
	@echo 'make check        the quick pass (about 2 minutes on 2 cores): the model, kernel and tokenizer'
	@echo '                  suites and the tools, native and under AddressSanitizer + UBSan'
	@echo 'make test         everything CI runs (its build: 11 CPU-minutes, then the runs): every build variant,'
	@echo '                  NEON under qemu, valgrind, fuzz replays, firmware; ends "N passed, N failed"'
	@echo 'make bench        speed: build/mamba-bench and build/bench_tokenizer (ratios + tok/s)'
	@echo 'make bench-avx2   the same benchmark with the AVX2 kernels only (x86-64-v3), on a machine with more'
	@echo 'make bench-server mamba-server: tok/s and time to first token at 1-64 clients (bench/server.sh)'
	@echo '                  (beside llama.cpp on the same GGUF files: bench/peer/README.md, not part of make bench)'
	@echo 'make install      header, tools, mamba.pc and the CMake package under PREFIX (default /usr/local)'
	@echo 'make firmware     the Cortex-M4F image and its sizes; make firmware-run runs it under qemu'
	@echo 'make fuzz         libFuzzer on every parser (FUZZ_SECONDS each, or FUZZ_RUNS executions)'
	@echo 'make goldens      regenerate tests/data from the numpy reference (tests/ref/)'
	@echo 'make clean        remove build/'
	@echo 'variables: SHARED=$(SHARED) (test data), CC, CFLAGS, OPENMP=0|1, VALGRIND=0|1'

all: $(TOOLS)

# the main job: Shakespeare from the bundled model, fixed seed
run: build/mamba-generate
	./build/mamba-generate -m models/shakespeare-tiny -p "ROMEO:" -n 200 --seed 42

# phony, so the directories the tests write into are there even when build/
# already was (an order-only prerequisite: nothing is rebuilt for it)
.PHONY: build
build:
	@mkdir -p build/tmp/bad1/pt build/tmp/bad1/spm

build/mamba-%: examples/%.c mamba.h | build
	$(CC) $(WARN) $(CFLAGS) $(OMPFLAGS) $< -o $@ $(LDLIBS)

# default: vector kernels + threads
build/test_%: tests/test_%.c $(TEST_H) mamba.h | build
	$(CC) $(WARN) $(CFLAGS) $(OMPFLAGS) $< -o $@ $(LDLIBS)
# scalar reference kernels only
build/test_%_nosimd: tests/test_%.c $(TEST_H) mamba.h | build
	$(CC) $(WARN) $(CFLAGS) -DMAMBA_NO_SIMD $< -o $@ $(LDLIBS)
# AVX2+FMA+F16C kernels (x86-64-v3), whatever this machine has beyond
build/test_%_avx2: tests/test_%.c $(TEST_H) mamba.h | build
	$(CC) $(WARN) -O2 -march=x86-64-v3 $< -o $@ $(LDLIBS)
# NEON kernels, run under qemu-user
build/test_%_neon: tests/test_%.c $(TEST_H) mamba.h | build
	$(ARMCC) $(WARN) -O2 -static $< -o $@ $(LDLIBS)
# the library with every file function compiled out (memory loader only)
build/test_%_nostdio: tests/test_%.c $(TEST_H) mamba.h | build
	$(CC) $(WARN) $(CFLAGS) -DMAMBA_NO_STDIO $< -o $@ $(LDLIBS)
# GCC's default dialect (gnu17: floating-point contraction on, across
# statements, where -std=c11 has it off): the kernels' bit-identity must not
# depend on it (mamba.h turns contraction off itself)
build/test_kernels_gnu: tests/test_kernels.c $(TEST_H) mamba.h | build
	$(CC) -Wall -Wextra -Wpedantic -Werror $(CFLAGS) $(OMPFLAGS) $< -o $@ $(LDLIBS)
# the implementation compiled as C++
build/test_%_cxx: tests/test_%.c $(TEST_H) mamba.h | build
	$(CXX) -std=c++11 -Wall -Wextra -Wpedantic -Werror $(CFLAGS) $(OMPFLAGS) -x c++ $< -o $@ $(LDLIBS)
# sections compiled out (what a small image leaves out): the rest must work alone
SECTIONS_SRC := tests/test_sections.c tests/test.h mamba.h
build/test_sections_notok: $(SECTIONS_SRC) | build
	$(CC) $(WARN) $(CFLAGS) -DMAMBA_NO_TOKENIZER $< -o $@ $(LDLIBS)
build/test_sections_nowriter: $(SECTIONS_SRC) | build
	$(CC) $(WARN) $(CFLAGS) -DMAMBA_NO_WRITER $< -o $@ $(LDLIBS)
build/test_sections_nost: $(SECTIONS_SRC) | build
	$(CC) $(WARN) $(CFLAGS) -DMAMBA_NO_SAFETENSORS $< -o $@ $(LDLIBS)
build/test_sections_min: $(SECTIONS_SRC) | build
	$(CC) $(WARN) $(CFLAGS) -DMAMBA_NO_TOKENIZER -DMAMBA_NO_WRITER -DMAMBA_NO_SAFETENSORS -DMAMBA_NO_EXTRA_QUANTS $< -o $@ $(LDLIBS)
# AddressSanitizer + UndefinedBehaviorSanitizer
build/test_%_san: tests/test_%.c $(TEST_H) mamba.h | build
	$(SANCC) $(WARN) $(SAN) -march=native $< -o $@ $(LDLIBS)
build/test_tokenizer_cxx: tests/test_tokenizer.c tests/test.h mamba.h | build
	$(CXX) -std=c++11 -Wall -Wextra -Wpedantic -Werror $(CFLAGS) -x c++ $< -o $@ $(LDLIBS)
build/test_spm_cxx: tests/test_spm.c tests/test.h mamba.h | build
	$(CXX) -std=c++11 -Wall -Wextra -Wpedantic -Werror $(CFLAGS) -x c++ $< -o $@ $(LDLIBS)
# the C example in README.md, compiled and run exactly as a reader copies it
build/readme_example.c: README.md | build
	awk '/^```c$$/{n++; if (n==1) {p=1; next}} /^```$$/{p=0} p' README.md > $@
build/readme_example: build/readme_example.c mamba.h
	$(CC) $(WARN) $(CFLAGS) -I. $< -o $@ $(LDLIBS)
# the example in mamba.h's doc block, inside a main(argc, argv) giving it path and prompt
build/docblock_example.c: mamba.h | build
	@{ printf '#define MAMBA_IMPLEMENTATION\n#include "mamba.h"\n#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n'; \
	   printf 'int main(int argc, char **argv) {\n    const char *path = argc > 1 ? argv[1] : "models/shakespeare-tiny";\n'; \
	   printf '    const char *prompt = argc > 2 ? argv[2] : "ROMEO:";\n'; \
	   awk '/^   EXAMPLE/{p=1; getline; next} /^   WHAT IS SUPPORTED/{p=0} p' mamba.h | sed 's/^     //'; printf '}\n'; } > $@
# (build/readme_example is the one file a reader compiles; the sanitizer builds
# of both examples link the library compiled apart, see LINKED below)
build/docblock_example_san: build/docblock_example.c mamba.h build/obj/san/mamba.o
	$(CC_san) $(APART) -I. $< -x none build/obj/san/mamba.o -o $@ $(LDLIBS)
build/readme_example_san: build/readme_example.c mamba.h build/obj/san/mamba.o
	$(CC_san) $(APART) -I. $< -x none build/obj/san/mamba.o -o $@ $(LDLIBS)
# a random model with the GPT-NeoX tokenizer and 50,280 embedding rows
NEOX_MODEL := build/tmp/neox-model/model.safetensors
$(NEOX_MODEL): tests/ref/neox_model.py | build
	python3 $< $(SHARED)/tokenizer-gpt-neox-20b.json $(@D)
build/test_readme: tests/test_readme.c tests/test.h build/readme_example build/readme_example_san build/docblock_example_san build/mamba-tokenize $(NEOX_MODEL) | build
	$(CC) $(WARN) -O2 $< -o $@ $(LDLIBS)
# the server with AddressSanitizer + UndefinedBehaviorSanitizer (tests/test_server.sh):
# linked to build/obj/san/mamba.o, see LINKED below
build/fuzz_replay_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h mamba.h | build
	$(SANCC) $(WARN) $(SAN) -march=native $< -o $@ $(LDLIBS)
# the valgrind builds (see VALGRIND above)
build/vg/test_%: tests/test_%.c $(TEST_H) mamba.h | build
	@mkdir -p build/vg
	$(CC) $(WARN) $(VGFLAGS) $< -o $@ $(LDLIBS)
build/vg/fuzz_replay_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h mamba.h | build
	@mkdir -p build/vg
	$(CC) $(WARN) $(VGFLAGS) $< -o $@ $(LDLIBS)
build/vg/mamba-%: examples/%.c mamba.h | build
	@mkdir -p build/vg
	$(CC) $(WARN) $(VGFLAGS) $< -o $@ $(LDLIBS)

# The library compiled once per build configuration (tests/impl.c into
# build/obj/CONFIG/mamba.o), linked by the suites, fuzz replays and tools that
# use only the public API: compiling mamba.h's implementation again for each of
# them was most of make test's time. They are compiled with their usual flags
# plus -DMAMBA_IMPLEMENTATION_INCLUDED (mamba.h's guard against a second copy),
# so their own `#define MAMBA_IMPLEMENTATION` declares only. The suites that
# call internals (mamba__*) or set the library's macros (MAMBA_ASSERT,
# MAMBA_NO_*, MAMBA__WC_MIN) stay one file with the implementation, as before.
LINKED  := goldens state arena sampler bad_input long serve
LINKED_FUZZ := config decode gguf model safetensors spm state tokenizer_json
APART   := -DMAMBA_IMPLEMENTATION_INCLUDED
CC_native = $(CC) $(WARN) $(CFLAGS) $(OMPFLAGS)
CC_nosimd = $(CC) $(WARN) $(CFLAGS) -DMAMBA_NO_SIMD
CC_avx2   = $(CC) $(WARN) -O2 -march=x86-64-v3
CC_neon   = $(ARMCC) $(WARN) -O2 -static
CC_nostdio = $(CC) $(WARN) $(CFLAGS) -DMAMBA_NO_STDIO
CC_cxx    = $(CXX) -std=c++11 -Wall -Wextra -Wpedantic -Werror $(CFLAGS) $(OMPFLAGS) -x c++
CC_san    = $(SANCC) $(WARN) $(SAN) -march=native
CC_vg     = $(CC) $(WARN) $(VGFLAGS)
build/obj/%/mamba.o: tests/impl.c mamba.h | build
	@mkdir -p $(@D)
	$(CC_$*) -c $< -o $@
# $(call link_apart,CONFIG,TARGETS,TARGET_PATTERN,SOURCE_PATTERN,HEADERS)
define link_apart
$(2): $(3): $(4) $(5) mamba.h build/obj/$(1)/mamba.o | build
	@mkdir -p $$(@D)
	$$(CC_$(1)) $$(APART) $$< -x none build/obj/$(1)/mamba.o -o $$@ $$(LDLIBS)
endef
linked   = $(foreach s,$(LINKED),build/$(1)test_$(s)$(2))
$(eval $(call link_apart,native,$(call linked,,),build/test_%,tests/test_%.c,$(TEST_H)))
$(foreach c,nosimd avx2 neon nostdio cxx san,$(eval $(call link_apart,$(c),$(call linked,,_$(c)),build/test_%_$(c),tests/test_%.c,$(TEST_H))))
$(eval $(call link_apart,vg,$(call linked,vg/,),build/vg/test_%,tests/test_%.c,$(TEST_H)))
$(eval $(call link_apart,san,$(addprefix build/fuzz_replay_,$(LINKED_FUZZ)),build/fuzz_replay_%,tests/fuzz/fuzz_%.c,tests/fuzz/fuzz.h))
$(eval $(call link_apart,vg,$(addprefix build/vg/fuzz_replay_,$(LINKED_FUZZ)),build/vg/fuzz_replay_%,tests/fuzz/fuzz_%.c,tests/fuzz/fuzz.h))
$(eval $(call link_apart,native,$(TOOLS),build/mamba-%,examples/%.c,examples/tool.h))
$(eval $(call link_apart,vg,$(subst build/,build/vg/,$(TOOLS)),build/vg/mamba-%,examples/%.c,examples/tool.h))
$(eval $(call link_apart,san,build/mamba-server_san,build/mamba-%_san,examples/%.c,examples/tool.h))

# the fuzz seeds (generated from the test data, not committed)
$(SEEDS): tests/fuzz/make_seeds.sh tests/fuzz/tiny_gguf.py tests/fuzz/tiny_spm.py | build
	MAMBA_FUZZ_DATA=$(SHARED) sh tests/fuzz/make_seeds.sh
	@touch $@

# libFuzzer (clang) on every driver, FUZZ_SECONDS each, or FUZZ_RUNS executions
# each when set (make fuzz FUZZ_RUNS=10000000); crashes in build/fuzz/crashes/
FUZZ_SECONDS ?= 15
FUZZ_RUNS ?=
fuzz:
	FUZZ_RUNS=$(FUZZ_RUNS) sh tests/fuzz/run.sh $(FUZZ_SECONDS)
# CI's short pass: every driver from the seeds and tests/corpus/, 15 s each
fuzz-ci:
	sh tests/fuzz/run.sh 15

build/test_cli: tests/test_cli.c tests/test.h | build
	$(CC) $(WARN) -O2 $< -o $@ $(LDLIBS)

# Unicode's normalisation conformance file (Debian: unicode-data), if installed
UCD_NFC := $(wildcard /usr/share/unicode/NormalizationTest.txt.bz2)
NFC     := $(if $(UCD_NFC),build/NormalizationTest.txt)
build/NormalizationTest.txt: | build
	bzcat $(UCD_NFC) > $@

# GGUF files holding only the two real tokenizers, laid out as llama.cpp does
GGUF_TOK := build/tmp/neox-tok.gguf build/tmp/falcon-tok.gguf
build/tmp/neox-tok.gguf: tests/ref/tokenizer_to_gguf.py | build
	python3 $< $(SHARED)/tokenizer-gpt-neox-20b.json gpt-neox $@
build/tmp/falcon-tok.gguf: tests/ref/tokenizer_to_gguf.py | build
	python3 $< $(SHARED)/tokenizer-falcon.json falcon $@

# the golden models as GGUF, written by an independent pure-Python writer
GGUF_REF := $(filter-out build/tmp/ref-pt-%,$(patsubst tests/data/%/config.json,build/tmp/ref-%.gguf,$(wildcard tests/data/*/config.json)))
build/tmp/ref-%.gguf: tests/data/%/config.json tests/ref/gguf_write.py | build
	python3 tests/ref/gguf_write.py tests/data/$* $@

# one random Mamba-2 model in the HF and in Mistral's layout (params.json +
# consolidated.safetensors): Codestral's real dimensions with 2 layers (~1 GB
# each, ~45 s) and a small one for valgrind; Debian's python3-numpy
CODESTRAL := build/tmp/codestral/hf/config.json build/tmp/codestral-small/hf/config.json
build/tmp/codestral/hf/config.json: tests/ref/make_codestral_shape.py | build
	/usr/bin/python3 $< build/tmp/codestral
build/tmp/codestral-small/hf/config.json: tests/ref/make_codestral_shape.py | build
	/usr/bin/python3 $< build/tmp/codestral-small --dim 256 --vocab 1024

test: $(TOOLS) build/mamba-bench $(BUILT) $(NFC) $(GGUF_TOK) $(GGUF_REF) $(FW_BUILT) $(CODESTRAL) build/mamba-server_san
	@OMP_NUM_THREADS=2 MAMBA_SERVER_SAN=build/mamba-server_san QEMU_ARM="$(QEMU_ARM_RUN)" FWCC=$(FWCC) RVCC=$(RVCC) HAVE_FW=$(HAVE_FW) HAVE_RV=$(HAVE_RV) \
	    sh tests/run.sh $(SHARED) $(TESTS)

# the quick pass: one native build and the sanitizer build of the main suites
CHECKS  := $(call suites,,) $(call suites,,_san) build/test_api build/test_api_san build/test_kernels build/test_tokenizer build/test_tokenizer_san \
           build/test_cli build/test_readme sh:tests/test_first_contact.sh
check: $(TOOLS) build/mamba-bench $(filter build/%,$(CHECKS)) $(GGUF_TOK) $(GGUF_REF)
	@OMP_NUM_THREADS=2 sh tests/run.sh $(SHARED) $(CHECKS)

# make install PREFIX=... (DESTDIR too): the header, the tools, mamba.pc and
# the CMake package (find_package(mamba) gives the target mamba::mamba)
PREFIX  ?= /usr/local
VERSION := $(shell sed -n 's/^\#define MAMBA_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' mamba.h | paste -sd.)
install: $(TOOLS)
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/lib/cmake/mamba
	install -m 644 mamba.h $(DESTDIR)$(PREFIX)/include/mamba.h
	install -m 755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/
	sed 's|@MAMBA_PREFIX@|$(PREFIX)|; s|@MAMBA_INCLUDEDIR@|$(PREFIX)/include|; s|@MAMBA_VERSION@|$(VERSION)|' cmake/mamba.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/mamba.pc
	install -m 644 cmake/mambaConfig.cmake $(DESTDIR)$(PREFIX)/lib/cmake/mamba/
	sed 's|@MAMBA_VERSION@|$(VERSION)|' cmake/mambaConfigVersion.cmake.in > $(DESTDIR)$(PREFIX)/lib/cmake/mamba/mambaConfigVersion.cmake

build/mamba-bench: bench/bench.c mamba.h | build
	$(CC) $(WARN) $(CFLAGS) $(OMPFLAGS) $< -o $@ $(LDLIBS)
# the same with the AVX2+FMA+F16C kernels (x86-64-v3) whatever this machine
# has beyond them: the AVX2 figures on an AVX-512 machine (make bench-avx2)
build/mamba-bench-avx2: bench/bench.c mamba.h | build
	$(CC) $(WARN) -O2 -march=x86-64-v3 $(OMPFLAGS) $< -o $@ $(LDLIBS)

# the side-by-side with llama.cpp (bench/peer/README.md; not part of make bench)
build/mamba-peerbench: bench/peer/peerbench.c mamba.h | build
	$(CC) $(WARN) $(CFLAGS) $(OMPFLAGS) $< -o $@ $(LDLIBS)

# decode beside the bandwidth the machine gave in the same minute (not part of make bench)
build/bw_decode: bench/bw_decode.c bench/bench.c mamba.h | build
	$(CC) $(WARN) $(CFLAGS) $(OMPFLAGS) $< -o $@ $(LDLIBS)

build/bench_matvec: bench/bench_matvec.c bench/ab.h mamba.h | build
	$(CC) $(WARN) $(CFLAGS) $< -o $@ $(LDLIBS)
build/bench_qmatvec: bench/bench_qmatvec.c bench/ab.h mamba.h | build
	$(CC) $(WARN) $(CFLAGS) $< -o $@ $(LDLIBS)
build/bench_qmatvec_omp: bench/bench_qmatvec.c bench/ab.h mamba.h | build   # the same with the library's threads (OMP_NUM_THREADS)
	$(CC) $(WARN) $(CFLAGS) $(OMPFLAGS) $< -o $@ $(LDLIBS)

build/bench_tokenizer: bench/bench_tokenizer.c tests/test.h mamba.h | build
	$(CC) $(WARN) $(CFLAGS) $< -o $@ $(LDLIBS)

bench: build/mamba-bench build/bench_tokenizer
	./build/bench_tokenizer $(SHARED)/tinyshakespeare.txt
	./build/mamba-bench
bench-avx2: build/mamba-bench-avx2
	./build/mamba-bench-avx2

# mamba-server: tok/s and time to first token at 1-64 clients, prefix cache
# on/off, bundled + 130m-shaped Q8_0 model; then the long load test
bench-server:
	sh bench/server.sh

# regenerate tests/data from the Python reference (needs Debian's python3-numpy;
# the torch.save twins tests/data/pt-* need python3-torch)
goldens:
	/usr/bin/python3 tests/ref/gen_goldens.py
	/usr/bin/python3 tests/ref/gen_torch.py

clean:
	rm -rf build

# LongMamba passkey experiment (issue 20; tools/train_passkey.py, not part of make test)
build/passkey-eval: tools/passkey_eval.c mamba.h | build
	$(CC) $(WARN) $(CFLAGS) $(OMPFLAGS) $< -o $@ $(LDLIBS)
