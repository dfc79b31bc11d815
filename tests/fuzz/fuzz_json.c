/* The internal JSON reader: parse, then check the token tree's invariants and
   decode every string and number the way the loaders do. */
#define FUZZ_NAME "json"
#include "fuzz.h"

static void fuzz_init(void) {}

/* Walks the children of container t; returns the index after the last one. */
static uint32_t walk_children(const mamba__json *j, uint32_t t) {
    uint32_t i = t + 1, k;
    int obj = j->tok[t].type == MAMBA__J_OBJ;
    for (k = 0; k < j->tok[t].size; k++) {
        FUZZ_CHECK(i < j->ntok);
        if (obj) {
            char key[300];
            size_t n;
            FUZZ_CHECK(j->tok[i].type == MAMBA__J_STR && i + 1 < j->ntok);
            n = mamba__json_str(j, i, key, sizeof key);
            /* json_get matches keys of < 256 decoded bytes, compared as C strings */
            if (n < 255 && strlen(key) == n) {
                uint32_t v = mamba__json_get(j, t, key);
                FUZZ_CHECK(v > t && v <= i + 1 && mamba__json_eq(j, v - 1, key));
            }
            i = j->tok[i + 1].next;
        } else {
            i = j->tok[i].next;
        }
    }
    return i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    mamba__json j;
    mamba_error err;
    uint32_t t;
    if (mamba__json_parse(&j, (const char *)data, size, 8, 4096, &err, "fuzz") != MAMBA_OK) return 0;
    FUZZ_CHECK(j.ntok >= 1 && j.ntok <= 4096 && j.tok[0].next == j.ntok);
    for (t = 0; t < j.ntok; t++) {
        const mamba__jtok *k = &j.tok[t];
        double d;
        long long ll;
        FUZZ_CHECK(k->next > t && k->next <= j.ntok);
        /* containers record only their start */
        FUZZ_CHECK(k->type <= MAMBA__J_ARR ? k->start < size : k->start <= k->end && k->end <= size);
        switch (k->type) {
        case MAMBA__J_STR: {
            size_t n = mamba__json_str(&j, t, NULL, 0), m;
            char small[4], *buf = (char *)malloc(n + 1);
            /* the tokenizer sizes its pool on this: decoding never grows a string */
            FUZZ_CHECK(n <= k->end - k->start);
            m = mamba__json_str(&j, t, buf, n + 1);
            FUZZ_CHECK(m == n && buf[n] == 0);
            m = mamba__json_str(&j, t, small, sizeof small);   /* truncating */
            FUZZ_CHECK(m == n && small[n < 3 ? n : 3] == 0 && !memcmp(small, buf, n < 3 ? n : 3));
            (void)mamba__json_eq(&j, t, "dtype");
            free(buf);
            break;
        }
        case MAMBA__J_NUM:
            FUZZ_CHECK(mamba__json_num(&j, t, &d) == (t != 0));   /* index 0 means "absent" */
            (void)mamba__json_int(&j, t, LLONG_MIN / 2, LLONG_MAX / 2, &ll);
            (void)mamba__json_int(&j, t, 0, (long long)1 << 40, &ll);
            break;
        case MAMBA__J_OBJ:
            FUZZ_CHECK(walk_children(&j, t) == k->next);
            (void)mamba__json_get(&j, t, "data_offsets");
            (void)mamba__json_get(&j, t, "__metadata__");
            break;
        case MAMBA__J_ARR:
            FUZZ_CHECK(walk_children(&j, t) == k->next);
            FUZZ_CHECK(mamba__json_get(&j, t, "shape") == 0);
            break;
        default:
            FUZZ_CHECK(k->type >= MAMBA__J_TRUE && k->type <= MAMBA__J_NULL);
            FUZZ_CHECK(!mamba__json_num(&j, t, &d));
        }
    }
    mamba__json_free(&j);
    return 0;
}
