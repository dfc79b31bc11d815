/* The firmware's platform hooks for a RISC-V build check (compile and link
   only: make test does not run it). Output would go through RISC-V
   semihosting; here the hooks are stubs so that the link shows what the
   library pulls in on its own. picolibc's crt0 calls main. */
#include <stdint.h>

int fw_semihost(int op, const void *arg);
void fw_puts(const char *s);

static volatile uintptr_t fw_sink;   /* keeps the output from being optimised away */

int fw_semihost(int op, const void *arg) {
    fw_sink = (uintptr_t)op ^ (uintptr_t)arg;
    return 0;
}
void fw_puts(const char *s) { fw_semihost(0x04, s); }
unsigned long fw_stack_used(void);
unsigned long fw_stack_used(void) { return 0; }
