/* Runs the C example from README.md and the one in mamba.h's doc block
   (build/docblock_example_san) -- the README one extracted and built by the Makefile as
   build/readme_example, and as build/readme_example_san under AddressSanitizer
   + UBSan) and checks that it works as the README says, on the bundled model
   and on a model like the ones users download: a 50,280-token vocabulary with
   the GPT-NeoX tokenizer (tests/ref/neox_model.py writes it into
   build/tmp/neox-model), a prompt of more than 64 tokens, and an empty prompt.

   build/test_readme [SHARED_DATA_DIR]   (run from the repository root) */
#include "test.h"

static char out[1 << 20];

/* Runs cmd with stdout and stderr to files; returns the exit status; out holds stdout. */
static int run(const char *cmd, size_t *n) {
    char buf[8192];
    FILE *f;
    int rc;
    snprintf(buf, sizeof buf, "%s > build/tmp/readme.out 2> build/tmp/readme.err", cmd);
    rc = system(buf);
    *n = 0;
    f = fopen("build/tmp/readme.out", "rb");
    if (f) { *n = fread(out, 1, sizeof out - 1, f); fclose(f); }
    out[*n] = 0;
    return rc;
}

static size_t err_bytes(void) {
    size_t n = 0;
    char *e = slurp("build/tmp/readme.err", &n);
    if (n) printf("   stderr: %.300s\n", e);
    free(e);
    return n;
}

/* Shakespeare-like: beyond the echoed prompt, a speaker's name in capitals
   followed by a colon, and no control characters. */
static void shakespeare(const char *what, size_t skip, size_t n) {
    size_t i;
    int printable = 1, upper_colon = 0;
    for (i = skip; i < n; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c < 32 && c != '\n' && c != '\t') printable = 0;
        if (c == ':' && i >= 3 && out[i - 1] >= 'A' && out[i - 1] <= 'Z' && out[i - 2] >= 'A' && out[i - 2] <= 'Z') upper_colon = 1;
    }
    CHECK(n >= 50, "%s printed %zu bytes", what, n);
    CHECK(printable, "%s printed control characters", what);
    CHECK(upper_colon, "%s: output has no speaker line (NAME:): %.200s", what, out);
}

int main(int argc, char **argv) {
    const char *shared = argc > 1 ? argv[1] : "tests/data/shared";
    char cmd[4096], *prompt, *ids;
    size_t n = 0, np, ni, k, words = 0;
    int rc, b;
    static const char *const bins[2] = {"build/readme_example", "build/readme_example_san"};
    for (b = 0; b < 2; b++) {   /* as copied, then under ASan + UBSan: the bundled model */
        char what[64];
        snprintf(what, sizeof what, "%s", bins[b]);
        rc = run(bins[b], &n);
        CHECK(rc == 0, "%s: exit status %d", what, rc);
        CHECK(n >= 6 && !memcmp(out, "ROMEO:", 6), "%s: output does not start with the prompt", what);
        shakespeare(what, 6, n);
        CHECK(err_bytes() == 0, "%s: wrote to stderr", what);
    }
    /* an empty prompt: generation starts from the bos token */
    rc = run("build/readme_example_san models/shakespeare-tiny ''", &n);
    CHECK(rc == 0, "empty prompt: exit status %d", rc);
    shakespeare("empty prompt", 0, n);
    CHECK(err_bytes() == 0, "empty prompt: wrote to stderr");
    /* the 50k-vocabulary NeoX model, a prompt of more than 64 tokens (the first
       600 bytes of tinyshakespeare, without quotes or backslashes) */
    snprintf(cmd, sizeof cmd, "%s/tinyshakespeare.txt", shared);
    prompt = slurp(cmd, &np);
    CHECK(prompt && np > 600, "read %s", cmd);
    if (!prompt || np <= 600) return test_summary();
    prompt[600] = 0;
    for (k = 0; k < 600; k++) if (prompt[k] == '\'' || prompt[k] == '\\') prompt[k] = ' ';
    {
        FILE *f = fopen("build/tmp/readme-prompt.txt", "wb");
        if (f) { fputs(prompt, f); fclose(f); }
    }
    snprintf(cmd, sizeof cmd, "build/mamba-tokenize %s/tokenizer-gpt-neox-20b.json < build/tmp/readme-prompt.txt > build/tmp/readme-ids.txt", shared);
    CHECK(system(cmd) == 0, "%s", cmd);
    ids = slurp("build/tmp/readme-ids.txt", &ni);
    for (k = 0; ids && k < ni; k++) if (ids[k] >= '0' && ids[k] <= '9' && (k == 0 || ids[k - 1] == ' ' || ids[k - 1] == '\n')) words++;
    CHECK(words > 64, "the prompt is %zu NeoX tokens, want more than 64", words);
    snprintf(cmd, sizeof cmd, "build/readme_example_san build/tmp/neox-model '%s'", prompt);
    rc = run(cmd, &n);
    CHECK(rc == 0, "NeoX model, %zu-token prompt: exit status %d", words, rc);
    CHECK(n > 600 && !memcmp(out, prompt, 600), "NeoX model: output does not start with the prompt");
    CHECK(err_bytes() == 0, "NeoX model: wrote to stderr (a sanitizer report?)");
    rc = run("build/readme_example_san build/tmp/neox-model ''", &n);
    CHECK(rc == 0 && err_bytes() == 0, "NeoX model, empty prompt: exit status %d", rc);
    /* the example in mamba.h's doc block (build/docblock_example_san wraps it in a main) */
    rc = run("build/docblock_example_san", &n);
    CHECK(rc == 0, "doc-block example: exit status %d", rc);
    shakespeare("doc-block example", 0, n);
    CHECK(err_bytes() == 0, "doc-block example: wrote to stderr");
    rc = run("build/docblock_example_san models/shakespeare-tiny ''", &n);
    CHECK(rc == 0 && n > 0 && err_bytes() == 0, "doc-block example, empty prompt: exit status %d", rc);
    snprintf(cmd, sizeof cmd, "build/docblock_example_san build/tmp/neox-model '%s'", prompt);
    rc = run(cmd, &n);
    CHECK(rc == 0 && n > 0, "doc-block example, NeoX model, %zu-token prompt: exit status %d", words, rc);
    CHECK(err_bytes() == 0, "doc-block example, NeoX model: wrote to stderr (a sanitizer report?)");
    printf("  README and doc-block examples: bundled model, empty prompt, NeoX 50280-token model with a %zu-token prompt\n", words);
    free(prompt); free(ids);
    return test_summary();
}
