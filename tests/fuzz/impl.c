/* The library alone, as fuzz.h includes it (the same header, the same feature
   macro): tests/fuzz/run.sh compiles it once, instrumented as the drivers are
   (-fsanitize=fuzzer-no-link,...), and links it to the drivers that use only
   the public API, which it builds with -DMAMBA_IMPLEMENTATION_INCLUDED. */
#define _POSIX_C_SOURCE 200809L
#define MAMBA_IMPLEMENTATION
#ifndef MAMBA_FUZZ_HEADER   /* -DMAMBA_FUZZ_HEADER='"path"' fuzzes another copy */
#define MAMBA_FUZZ_HEADER "../../mamba.h"
#endif
#include MAMBA_FUZZ_HEADER
