/* Shared scaffolding of the fuzz drivers in tests/fuzz/.

   Each fuzz_NAME.c includes this file, then defines
       static void fuzz_init(void);    (loads the fixed data it needs, once)
       int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

   Built with -DMAMBA_FUZZ_LIBFUZZER (and -fsanitize=fuzzer), libFuzzer owns
   main() and the data directory comes from $MAMBA_FUZZ_DATA (default
   tests/data/shared). Built without it, the driver gets a plain main() that
   replays files, so `make test` needs no libFuzzer:

       fuzz_NAME SHARED_DATA_DIR [FILE|DIR]...

   (the shared directory first, as tests/run.sh passes it). With no FILE or
   DIR it replays tests/corpus/NAME/ (if there is none: nothing to do). Each
   file runs in a forked child, so one crash, sanitizer report or hang (60 s)
   is one failure and the rest still run; the last line is "N passed, N failed". */
#ifndef MAMBA_FUZZ_H
#define MAMBA_FUZZ_H

#define _POSIX_C_SOURCE 200809L   /* fork, waitpid, alarm under -std=c11 */
#define MAMBA_IMPLEMENTATION
#ifndef MAMBA_FUZZ_HEADER   /* -DMAMBA_FUZZ_HEADER='"path"' fuzzes another copy */
#define MAMBA_FUZZ_HEADER "../../mamba.h"
#endif
#include MAMBA_FUZZ_HEADER

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) || defined(__clang__)
#define FUZZ_UNUSED __attribute__((unused))   /* helpers not every driver needs */
#else
#define FUZZ_UNUSED
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static void fuzz_init(void);

static const char *fuzz_data_dir = "tests/data/shared";   /* tokenizers, reference/m1-tiny */
FUZZ_UNUSED static const char *fuzz_test_dir = "tests/data";       /* golden models (run from the repo root) */

/* A property the library documents does not hold: crash, so the fuzzer keeps the input. */
#define FUZZ_CHECK(cond) do { if (!(cond)) { fprintf(stderr, "FUZZ_CHECK failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); abort(); } } while (0)

/* Whole file into a malloc'd buffer (NUL-terminated for convenience). Exits
   on failure: a driver without its fixed data would fuzz nothing. */
FUZZ_UNUSED static unsigned char *fuzz_read(const char *dir, const char *name, size_t *len) {
    char path[4096];
    FILE *f;
    unsigned char *buf;
    long n;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        fprintf(stderr, "fuzz: cannot read %s (set MAMBA_FUZZ_DATA or run from the repo root)\n", path);
        exit(2);
    }
    buf = (unsigned char *)malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) { fprintf(stderr, "fuzz: short read of %s\n", path); exit(2); }
    buf[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Copy of data[0..size) in a buffer of exactly that size, so ASan sees any
   read past the end (libFuzzer's own buffer is exact already). */
FUZZ_UNUSED static unsigned char *fuzz_dup(const uint8_t *data, size_t size) {
    unsigned char *p = (unsigned char *)malloc(size ? size : 1);
    if (!p) abort();
    if (size) memcpy(p, data, size);
    return p;
}

/* Both tokenizers of tests/data/shared, loaded from memory (encode, decode). */
FUZZ_UNUSED static mamba_tokenizer *fuzz_tokenizers[2];
FUZZ_UNUSED static void fuzz_load_tokenizers(void) {
    static const char *names[2] = {"tokenizer-gpt-neox-20b.json", "tokenizer-falcon.json"};
    int i;
    for (i = 0; i < 2; i++) {
        mamba_error err;
        size_t n;
        unsigned char *json = fuzz_read(fuzz_data_dir, names[i], &n);
        if (mamba_tokenizer_load_json(&fuzz_tokenizers[i], (const char *)json, n, NULL, &err) != MAMBA_OK) {
            fprintf(stderr, "fuzz: %s: %s\n", names[i], err.message);
            exit(2);
        }
        free(json);
    }
}

/* Decodes ids whole and streaming and checks what the API promises: sizes
   measured first are exact, a too-small buffer is MAMBA_ERR_RANGE with nothing
   consumed, a token writes at most 3 * (bytes + 3), and streaming plus flush
   gives the whole decode's bytes. Output buffers are exactly the size allowed,
   so ASan catches any write past them. `tiny` is a first, small cap to try. */
FUZZ_UNUSED static void fuzz_check_decode(const mamba_tokenizer *tok, const int *ids, size_t n, int flags, size_t tiny) {
    mamba_decoder d;
    size_t need, got, o = 0, i, k, len;
    char *whole, *stream, *buf;
    mamba_status st = mamba_tokenizer_decode(tok, ids, n, flags, NULL, 0, &need);
    for (i = 0; i < n && mamba_tokenizer_token_bytes(tok, ids[i], &len); i++) {}
    if (i < n) {   /* an id naming no token: refused, whole and when streamed */
        FUZZ_CHECK(st == MAMBA_ERR_BADARG);
        mamba_decoder_init(&d, flags);
        FUZZ_CHECK(mamba_decoder_token(&d, tok, ids[i], NULL, 0, &k) == MAMBA_ERR_BADARG);
        return;
    }
    FUZZ_CHECK(st == (need ? MAMBA_ERR_RANGE : MAMBA_OK));
    whole = (char *)malloc(need + 1);
    stream = (char *)malloc(need + 1);
    if (!whole || !stream) abort();
    FUZZ_CHECK(mamba_tokenizer_decode(tok, ids, n, flags, whole, need, &got) == MAMBA_OK && got == need);
    if (need) FUZZ_CHECK(mamba_tokenizer_decode(tok, ids, n, flags, stream, need - 1, &got) == MAMBA_ERR_RANGE && got == need);
    mamba_decoder_init(&d, flags);
    for (i = 0; i < n; i++) {
        size_t cap;
        mamba_tokenizer_token_bytes(tok, ids[i], &len);
        cap = 3 * (len + 3);
        if (!(buf = (char *)malloc(cap))) abort();
        st = mamba_decoder_token(&d, tok, ids[i], buf, tiny < cap ? tiny : cap, &k);
        if (st == MAMBA_ERR_RANGE) {
            FUZZ_CHECK(k > tiny);
            st = mamba_decoder_token(&d, tok, ids[i], buf, cap, &k);
        }
        FUZZ_CHECK(st == MAMBA_OK && k <= cap && o + k <= need);
        memcpy(stream + o, buf, k);
        o += k;
        free(buf);
    }
    FUZZ_CHECK(mamba_decoder_flush(&d, stream + o, need - o, &k) == MAMBA_OK);
    o += k;
    FUZZ_CHECK(o == need && !memcmp(stream, whole, need));
    free(whole);
    free(stream);
}

#ifdef MAMBA_FUZZ_LIBFUZZER
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    const char *d = getenv("MAMBA_FUZZ_DATA");
    (void)argc; (void)argv;
    if (d && *d) fuzz_data_dir = d;
    fuzz_init();
    return 0;
}
#else
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef FUZZ_NAME
#error "define FUZZ_NAME (the driver's name, e.g. \"json\") before including fuzz.h"
#endif

static int fuzz_passed, fuzz_failed;

static void fuzz_replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0, got;
    pid_t pid;
    int status;
    if (!f) { printf("FAIL %s: cannot open\n", path); fuzz_failed++; return; }
    do {   /* plain fread loop: works for any file, and for pipes */
        if (n == cap && !(buf = (unsigned char *)realloc(buf, cap = cap ? 2 * cap : 65536))) abort();
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got);
    fclose(f);
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        unsigned char *exact = fuzz_dup(buf, n);   /* so ASan sees reads past the end */
        free(buf);
        alarm(60);
        LLVMFuzzerTestOneInput(exact, n);
        free(exact);
        exit(0);   /* not _exit: LeakSanitizer checks at exit */
    }
    free(buf);
    if (pid < 0 || waitpid(pid, &status, 0) != pid) { printf("FAIL %s: fork/wait failed\n", path); fuzz_failed++; return; }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) { fuzz_passed++; return; }
    if (WIFSIGNALED(status)) printf("FAIL %s: killed by signal %d%s\n", path, WTERMSIG(status), WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
    else printf("FAIL %s: exit status %d\n", path, WEXITSTATUS(status));
    fuzz_failed++;
}

static int fuzz_name_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* A directory's regular files, in name order so runs are repeatable. */
static void fuzz_replay_path(const char *path) {
    struct stat st;
    DIR *d;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, i;
    if (stat(path, &st) != 0) { printf("FAIL %s: no such file\n", path); fuzz_failed++; return; }
    if (!S_ISDIR(st.st_mode)) { fuzz_replay_file(path); return; }
    if (!(d = opendir(path))) { printf("FAIL %s: cannot open\n", path); fuzz_failed++; return; }
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') continue;
        if (!(names = (char **)realloc(names, (n + 1) * sizeof *names))) abort();
        names[n] = (char *)malloc(strlen(path) + strlen(de->d_name) + 2);
        sprintf(names[n++], "%s/%s", path, de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, fuzz_name_cmp);
    for (i = 0; i < n; i++) {
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) fuzz_replay_file(names[i]);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv) {
    int i;
    if (argc > 1) fuzz_data_dir = argv[1];
    fuzz_init();   /* once, before forking: children share the loaded data */
    if (argc > 2) for (i = 2; i < argc; i++) fuzz_replay_path(argv[i]);
    else if (access("tests/corpus/" FUZZ_NAME, F_OK) == 0) fuzz_replay_path("tests/corpus/" FUZZ_NAME);
    printf("%d passed, %d failed\n", fuzz_passed, fuzz_failed);
    return fuzz_failed != 0;
}
#endif /* MAMBA_FUZZ_LIBFUZZER */
#endif /* MAMBA_FUZZ_H */
