/* The library alone, compiled once per build configuration into
   build/obj/<config>/mamba.o (see the Makefile: LINKED). The suites that use
   only the public API link it instead of each compiling all of mamba.h's
   implementation again; they are built with -DMAMBA_IMPLEMENTATION_INCLUDED
   (mamba.h's guard against a second copy), so their own
   `#define MAMBA_IMPLEMENTATION` brings in the declarations only. The flags are
   the suite's own, so the library is compiled exactly as before. */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"

/* the kernels this build uses (test.h: TEST_SIMD_NAME) */
#ifdef __cplusplus
extern "C"
#endif
const char *test_simd_name(void);
const char *test_simd_name(void) { return MAMBA__SIMD_NAME; }
