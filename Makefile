# mamba.h - builds the examples, tests and benchmarks. Nothing here is needed
# to use the library: copy mamba.h into your project.
#
#   make            build the command-line tools into build/
#   make run        generate text with the bundled default model
#   make test       every test, in several build configurations + sanitizers
#   make bench      speed figures (build/mamba-bench)

CC      ?= cc
CXX     ?= c++
# -O2 without fast-math: results stay IEEE and reproducible.
CFLAGS  ?= -O2
# Warnings are errors in every build of ours.
WARN    := -std=c11 -Wall -Wextra -Wpedantic -Werror
LDLIBS  := -lm
# The sanitizer build of the test suite (clang if present, else cc).
SANCC   ?= $(shell command -v clang >/dev/null 2>&1 && echo clang || echo $(CC))
SAN     := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
SHARED  ?= ../shared/data

TOOLS   := build/mamba-logits build/mamba-generate
TESTS   := build/test_model build/test_model_nostdio build/test_model_cxx build/test_model_san build/test_cli

.PHONY: all run test bench clean goldens

all: $(TOOLS)

build:
	@mkdir -p build/tmp/bad1

build/mamba-%: examples/%.c mamba.h | build
	$(CC) $(WARN) $(CFLAGS) $< -o $@ $(LDLIBS)

build/test_model: tests/test_model.c tests/test.h mamba.h | build
	$(CC) $(WARN) $(CFLAGS) $< -o $@ $(LDLIBS)

# the library with every file function compiled out (memory loader only)
build/test_model_nostdio: tests/test_model.c tests/test.h mamba.h | build
	$(CC) $(WARN) $(CFLAGS) -DMAMBA_NO_STDIO $< -o $@ $(LDLIBS)

# the implementation compiled as C++
build/test_model_cxx: tests/test_model.c tests/test.h mamba.h | build
	$(CXX) -std=c++11 -Wall -Wextra -Wpedantic -Werror -Wno-missing-field-initializers $(CFLAGS) -x c++ $< -o $@ $(LDLIBS)

# AddressSanitizer + UndefinedBehaviorSanitizer
build/test_model_san: tests/test_model.c tests/test.h mamba.h | build
	$(SANCC) $(WARN) $(SAN) $< -o $@ $(LDLIBS)

build/test_cli: tests/test_cli.c tests/test.h | build
	$(CC) $(WARN) $(CFLAGS) $< -o $@ $(LDLIBS)

test: $(TOOLS) $(TESTS)
	@sh tests/run.sh $(SHARED) $(TESTS)

build/mamba-bench: bench/bench.c mamba.h | build
	$(CC) $(WARN) -O2 -march=native $< -o $@ $(LDLIBS)

bench: build/mamba-bench
	./build/mamba-bench

# regenerate tests/data from the Python reference (needs Debian's python3-numpy)
goldens:
	/usr/bin/python3 tests/ref/gen_goldens.py

clean:
	rm -rf build
