/* The smallest useful image: GGUF reader + forward + sampler, token ids in
   and out (no tokenizer, no writer, no safetensors/JSON, no heap, no stdio).
   The same board, start-up code and model blob as main.c; the prompt is
   given as token ids (those of "ROMEO:" for the bundled byte-level model) and
   the greedy continuation is printed as ids, so make test can compare it with
   main.c's. `make firmware` prints this image's size next to the full one. */
#define MAMBA_IMPLEMENTATION
#define MAMBA_NO_STDIO
#define MAMBA_NO_MALLOC
#define MAMBA_NO_TOKENIZER
#define MAMBA_NO_WRITER
#define MAMBA_NO_SAFETENSORS
#define MAMBA_NO_EXTRA_QUANTS
#include "../../mamba.h"

#ifndef FW_N_TOKENS
#define FW_N_TOKENS 64
#endif
#ifndef FW_ARENA_BYTES
#define FW_ARENA_BYTES (512 * 1024)
#endif
#define FW_CHUNK 8
#define FW_STATE_BYTES (1024 * 1024)

extern const unsigned char fw_model[], fw_model_end[];
void fw_puts(const char *s);
int main(void);

static unsigned char arena_mem[FW_ARENA_BYTES] __attribute__((aligned(16)));
static unsigned char state_mem[FW_STATE_BYTES] __attribute__((aligned(64)));

static void put_uint(unsigned long v) {
    char b[24];
    int n = 23;
    b[n] = 0;
    do { b[--n] = (char)('0' + v % 10); v /= 10; } while (v);
    fw_puts(b + n);
}

int main(void) {
    static const int prompt[] = {82, 79, 77, 69, 79, 58};   /* "ROMEO:" */
    enum { N_PROMPT = sizeof prompt / sizeof prompt[0] };
    mamba_model *m;
    mamba_error err;
    mamba_options opt;
    mamba_arena arena;
    mamba_state st;
    mamba_sampler smp;
    const mamba_config *c;
    size_t n_state, n_scratch, sc_off, i;
    float *logits;
    int ids[FW_N_TOKENS];

    memset(&opt, 0, sizeof opt);
    memset(&arena, 0, sizeof arena);
    arena.base = arena_mem;
    arena.size = sizeof arena_mem;
    opt.arena = &arena;
    if (mamba_model_load_memory(&m, fw_model, (size_t)(fw_model_end - fw_model), NULL, 0, &opt, &err) != MAMBA_OK) {
        fw_puts("firmware: model: ");
        fw_puts(err.message);
        fw_puts("\n");
        return 1;
    }
    c = mamba_model_config(m);
    n_state = mamba_state_bytes(c);
    n_scratch = mamba_scratch_bytes(c, FW_CHUNK);
    sc_off = (n_state + 63) / 64 * 64;
    if (sc_off + n_scratch + sizeof(float) * (size_t)c->vocab_size + (size_t)c->vocab_size * 8 > sizeof state_mem ||
        mamba_state_init(&st, c, state_mem, n_state, state_mem + sc_off, n_scratch, FW_CHUNK, &err) != MAMBA_OK) {
        fw_puts("firmware: state\n");
        return 1;
    }
    logits = (float *)(void *)(state_mem + sc_off + n_scratch);
    /* greedy (zero parameters); the work memory after the logits */
    if (mamba_sampler_init(&smp, c->vocab_size, NULL, logits + c->vocab_size, mamba_sampler_bytes(c->vocab_size)) != MAMBA_OK) {
        fw_puts("firmware: sampler\n");
        return 1;
    }
    if (mamba_forward(m, &st, prompt, N_PROMPT, logits, MAMBA_LOGITS_LAST) != MAMBA_OK) return 1;
    for (i = 0; i < FW_N_TOKENS; i++) {
        ids[i] = mamba_sample(&smp, logits);
        if (mamba_step(m, &st, ids[i], logits) != MAMBA_OK) return 1;
    }
    fw_puts("generated ids:");
    for (i = 0; i < FW_N_TOKENS; i++) { fw_puts(" "); put_uint((unsigned long)ids[i]); }
    fw_puts("\n");
    mamba_model_free(m);
    return 0;
}
