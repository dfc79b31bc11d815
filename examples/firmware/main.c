/* Bare-metal Mamba on a Cortex-M4F (QEMU mps2-an386): no heap, no stdio.
   The model (a GGUF file with its tokenizer, Q8_0) is a const array in flash
   and is used in place; the model's small tables, the tokenizer and the
   encoder's work memory come from one static arena; the recurrent state and
   the scratch from static buffers sized by mamba_state_bytes and
   mamba_scratch_bytes. Greedy decoding of FW_N_TOKENS tokens from FW_PROMPT;
   prints the token ids (one line, for make test to compare with the host) and
   the text, then memory and speed figures. Output and exit go through Arm
   semihosting. */
#define MAMBA_IMPLEMENTATION
#define MAMBA_NO_STDIO
#define MAMBA_NO_MALLOC
#include "../../mamba.h"

#ifndef FW_PROMPT
#define FW_PROMPT "ROMEO:"
#endif
#ifndef FW_N_TOKENS
#define FW_N_TOKENS 64
#endif
#ifndef FW_ARENA_BYTES
#define FW_ARENA_BYTES (512 * 1024)
#endif
#define FW_CHUNK 8                        /* prefill chunk: scratch grows with it */
#define FW_STATE_BYTES (1024 * 1024)      /* state + scratch + logits, checked at run time */

extern const unsigned char fw_model[], fw_model_end[];
int fw_semihost(int op, const void *arg);
void fw_puts(const char *s);
unsigned long fw_stack_used(void);
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

static void put_kv(const char *key, unsigned long v, const char *unit) {
    fw_puts(key);
    put_uint(v);
    fw_puts(unit);
}

static unsigned long centiseconds(void) { return (unsigned long)fw_semihost(0x10, 0); }   /* SYS_CLOCK */

static int fail(const char *what, const mamba_error *err) {
    fw_puts("firmware: ");
    fw_puts(what);
    if (err) { fw_puts(": "); fw_puts(err->message); }
    fw_puts("\n");
    return 1;
}

int main(void) {
    static const char prompt[] = FW_PROMPT;
    static int ids[FW_N_TOKENS + sizeof prompt];
    mamba_model *m;
    mamba_tokenizer *tok;
    mamba_error err;
    mamba_options opt;
    mamba_arena arena, work;
    mamba_state st;
    mamba_decoder dec;
    const mamba_config *c;
    size_t n_prompt, n_state, n_scratch, i, model_bytes = (size_t)(fw_model_end - fw_model), used_after_load;
    float *logits;
    unsigned long t0, t1, t2;
    char text[64];
    size_t k;

    memset(&opt, 0, sizeof opt);
    memset(&arena, 0, sizeof arena);
    arena.base = arena_mem;
    arena.size = sizeof arena_mem;
    opt.arena = &arena;
    t0 = centiseconds();
    if (mamba_model_load_memory(&m, fw_model, model_bytes, NULL, 0, &opt, &err) != MAMBA_OK) return fail("model", &err);
    if (mamba_tokenizer_load_gguf(&tok, fw_model, model_bytes, &opt, &err) != MAMBA_OK) return fail("tokenizer", &err);
    used_after_load = arena.used;
    c = mamba_model_config(m);
    n_state = mamba_state_bytes(c);
    n_scratch = mamba_scratch_bytes(c, FW_CHUNK);
    /* state, then scratch (64-aligned), then logits, all in state_mem */
    if (n_state + 64 + n_scratch + sizeof(float) * (size_t)c->vocab_size > sizeof state_mem) return fail("state_mem is too small", NULL);
    {
        size_t sc_off = (n_state + 63) / 64 * 64;
        logits = (float *)(void *)(state_mem + sc_off + n_scratch);
        if (mamba_state_init(&st, c, state_mem, n_state, state_mem + sc_off, n_scratch, FW_CHUNK, NULL) != MAMBA_OK)
            return fail("state", NULL);
    }
    /* the encoder's work memory: the arena's free tail, given back on return */
    memset(&work, 0, sizeof work);
    work.base = arena_mem + used_after_load;
    work.size = sizeof arena_mem - used_after_load;
    if (mamba_tokenizer_encode_arena(tok, prompt, sizeof prompt - 1, ids, sizeof ids / sizeof ids[0], &n_prompt, &work) != MAMBA_OK)
        return fail("encode", NULL);
    t1 = centiseconds();
    if (mamba_forward(m, &st, ids, n_prompt, logits, MAMBA_LOGITS_LAST) != MAMBA_OK) return fail("forward", NULL);
    for (i = 0; i < FW_N_TOKENS; i++) {
        int next = mamba_argmax(logits, c->vocab_size);
        ids[n_prompt + i] = next;
        if (mamba_step(m, &st, next, logits) != MAMBA_OK) return fail("step", NULL);
    }
    t2 = centiseconds();

    fw_puts("prompt ids:");
    for (i = 0; i < n_prompt; i++) { fw_puts(" "); put_uint((unsigned long)ids[i]); }
    fw_puts("\ngenerated ids:");
    for (i = n_prompt; i < n_prompt + FW_N_TOKENS; i++) { fw_puts(" "); put_uint((unsigned long)ids[i]); }
    fw_puts("\ntext: ");
    mamba_decoder_init(&dec, 0);
    for (i = 0; i < n_prompt + FW_N_TOKENS; i++) {
        if (mamba_decoder_token(&dec, tok, ids[i], text, sizeof text - 1, &k) != MAMBA_OK) return fail("decode", NULL);
        text[k] = 0;
        fw_puts(text);
    }
    if (mamba_decoder_flush(&dec, text, sizeof text - 1, &k) == MAMBA_OK) { text[k] = 0; fw_puts(text); }
    fw_puts("\n");
    put_kv("model bytes (flash): ", (unsigned long)model_bytes, "\n");
    put_kv("arena used by model + tokenizer: ", (unsigned long)used_after_load, " bytes");
    put_kv(" (peak with the encoder: ", (unsigned long)(used_after_load + work.peak), ")\n");
    put_kv("state: ", (unsigned long)n_state, " bytes, ");
    put_kv("scratch (chunk 8): ", (unsigned long)n_scratch, " bytes\n");
    put_kv("stack used (measured, painted RAM): ", fw_stack_used(), " bytes\n");
    put_kv("load: ", (t1 - t0) * 10, " ms, ");
    put_kv("prompt + generation: ", (t2 - t1) * 10, " ms for ");
    put_kv("", (unsigned long)(n_prompt + FW_N_TOKENS), " tokens = ");
    put_kv("", t2 > t1 ? (unsigned long)(n_prompt + FW_N_TOKENS) * 100 / (t2 - t1) : 0, " tokens/s (host wall clock)\n");
    mamba_tokenizer_free(tok);
    mamba_model_free(m);
    return 0;
}
