/* The firmware without the library, for size comparisons only (make
   firmware-size): the same start-up code, model blob and static buffers as
   main.c, and a main that only prints. The difference of the two images per
   section is what the library and its use in main.c cost. */
#include <string.h>

#ifndef FW_ARENA_BYTES
#define FW_ARENA_BYTES (512 * 1024)
#endif
#define FW_STATE_BYTES (1024 * 1024)

extern const unsigned char fw_model[], fw_model_end[];
void fw_puts(const char *s);
int main(void);

static unsigned char arena_mem[FW_ARENA_BYTES] __attribute__((aligned(16)));
static unsigned char state_mem[FW_STATE_BYTES] __attribute__((aligned(64)));

int main(void) {
    memset(arena_mem, fw_model[0], sizeof arena_mem);
    memset(state_mem, (int)(fw_model_end - fw_model), sizeof state_mem);
    fw_puts(arena_mem[1] == state_mem[1] ? "baseline\n" : "baseline.\n");
    return 0;
}
