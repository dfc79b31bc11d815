/* Bad input and limits: truncated and hostile safetensors, config.json and
   index files, missing files; caller limits on GGUF and safetensors; NaN, inf
   and huge weights (validated or not) never give an out-of-range token.

   build/test_bad_input [SHARED_DATA_DIR]     (default tests/data/shared)
   Run from the repository root; `make test` builds it in every configuration
   (default, scalar, AVX2, NEON, MAMBA_NO_STDIO, C++, sanitizers, valgrind). */
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "test.h"
#include "fixtures.h"
#include <errno.h>

/* ---- bad input ------------------------------------------------------------ */

/* Rebuilds a safetensors file with `from` replaced by `to` (first match) in its
   header; the data section is kept. Returns a malloc'd buffer. */
static unsigned char *st_edit(const unsigned char *w, size_t wn, const char *from, const char *to, size_t *out_n) {
    uint64_t hl = 0;
    int b;
    char *hdr, *pos;
    size_t nh, fl = strlen(from), tl = strlen(to), rest;
    unsigned char *out;
    for (b = 7; b >= 0; b--) hl = hl << 8 | w[b];
    hdr = (char *)malloc((size_t)hl + 1);
    memcpy(hdr, w + 8, (size_t)hl);
    hdr[hl] = 0;
    pos = strstr(hdr, from);
    if (!pos) { printf("st_edit: '%s' not found\n", from); free(hdr); *out_n = 0; return NULL; }
    nh = (size_t)hl - fl + tl;
    rest = wn - 8 - (size_t)hl;
    out = (unsigned char *)malloc(8 + nh + rest);
    for (b = 0; b < 8; b++) out[b] = (unsigned char)((uint64_t)nh >> (8 * b));
    memcpy(out + 8, hdr, (size_t)(pos - hdr));
    memcpy(out + 8 + (pos - hdr), to, tl);
    memcpy(out + 8 + (pos - hdr) + tl, pos + fl, (size_t)hl - (size_t)(pos - hdr) - fl);
    memcpy(out + 8 + nh, w + 8 + hl, rest);
    free(hdr);
    *out_n = 8 + nh + rest;
    return out;
}

static mamba_status load_mem(const unsigned char *w, size_t wn, const char *cfg, mamba_error *err) {
    mamba_model *m = (mamba_model *)(uintptr_t)1;   /* must be reset to NULL on failure */
    mamba_status st = mamba_model_load_memory(&m, w, wn, cfg, strlen(cfg), NULL, err);
    if (st == MAMBA_OK) mamba_model_free(m);
    else CHECK(m == NULL, "*out not NULL after a failed load");
    return st;
}

static void bad_weights(const unsigned char *w, size_t wn, const char *cfg) {
    mamba_error err;
    size_t n, cut[] = {0, 4, 7, 8, 100, 2199, 2200, 1000, 200000};
    unsigned char *x, *y;
    int i;
    /* truncated at many points: header, JSON, data */
    for (i = 0; i < (int)(sizeof cut / sizeof cut[0]); i++) {
        char what[64];
        sprintf(what, "truncated at %zu", cut[i]);
        expect(what, load_mem(w, cut[i], cfg, &err), MAMBA_ERR_FORMAT, &err, NULL);
    }
    expect("truncated by one byte", load_mem(w, wn - 1, cfg, &err), MAMBA_ERR_FORMAT, &err, "outside");
    /* header length past the end */
    x = (unsigned char *)malloc(wn);
    memcpy(x, w, wn);
    x[5] = 0x7f;
    expect("header length past end", load_mem(x, wn, cfg, &err), MAMBA_ERR_FORMAT, &err, "past the end");
    memset(x, 0xff, 8);
    expect("header length 2^64-1", load_mem(x, wn, cfg, &err), MAMBA_ERR_FORMAT, &err, "past the end");
    /* malformed JSON header */
    memcpy(x, w, wn);
    x[8 + 15] = ',';   /* '{"__metadata__":' -> '{"__metadata__",' */
    expect("malformed header JSON", load_mem(x, wn, cfg, &err), MAMBA_ERR_FORMAT, &err, "weights");
    memcpy(x, w, wn);
    x[8] = '[';
    expect("header not an object", load_mem(x, wn, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL);
    free(x);
#define EDIT(from, to) (y = st_edit(w, wn, from, to, &n))
    /* unknown dtype, unsupported dtype, wrong dtype size */
    EDIT("\"backbone.norm_f.weight\":{\"dtype\":\"F32\"", "\"backbone.norm_f.weight\":{\"dtype\":\"Q9\"");
    expect("unknown dtype", load_mem(y, n, cfg, &err), MAMBA_ERR_UNSUPPORTED, &err, "unknown dtype 'Q9'"); free(y);
    EDIT("\"backbone.norm_f.weight\":{\"dtype\":\"F32\",\"shape\":[64]", "\"backbone.norm_f.weight\":{\"dtype\":\"I32\",\"shape\":[64]");
    expect("unsupported dtype I32", load_mem(y, n, cfg, &err), MAMBA_ERR_UNSUPPORTED, &err, "backbone.norm_f.weight has dtype I32"); free(y);
    EDIT("\"backbone.norm_f.weight\":{\"dtype\":\"F32\"", "\"backbone.norm_f.weight\":{\"dtype\":\"F16\"");
    expect("dtype size vs offsets", load_mem(y, n, cfg, &err), MAMBA_ERR_SHAPE, &err, "backbone.norm_f.weight"); free(y);
    /* tensor missing */
    EDIT("\"backbone.layers.1.mixer.D\"", "\"backbone.layers.1.mixer.Q\"");
    expect("tensor missing", load_mem(y, n, cfg, &err), MAMBA_ERR_MISSING, &err, "backbone.layers.1.mixer.D"); free(y);
    EDIT("\"backbone.embeddings.weight\"", "\"backbone.embeddingz.weight\"");
    expect("embedding missing", load_mem(y, n, cfg, &err), MAMBA_ERR_MISSING, &err, "embedding"); free(y);
    /* duplicate name */
    EDIT("\"backbone.layers.1.mixer.D\"", "\"backbone.layers.0.mixer.D\"");
    expect("duplicate tensor", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, "twice"); free(y);
    /* wrong shape (same byte size, so only the shape check can catch it) */
    EDIT("\"shape\":[128,16]", "\"shape\":[16,128]");
    expect("wrong shape", load_mem(y, n, cfg, &err), MAMBA_ERR_SHAPE, &err, "expected [128, 16]"); free(y);
    EDIT("\"shape\":[256,64]", "\"shape\":[64,256]");
    expect("wrong embedding shape", load_mem(y, n, cfg, &err), MAMBA_ERR_SHAPE, &err, "embeddings"); free(y);
    /* offsets outside the file, reversed, overlapping, absurd */
    EDIT("[327168,327424]", "[327168,999999999]");
    expect("offsets outside", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, "outside"); free(y);
    EDIT("[327168,327424]", "[327424,327168]");
    expect("offsets reversed", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL); free(y);
    EDIT("[327168,327424]", "[326912,327168]");
    expect("offsets overlap", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, "overlap"); free(y);
    EDIT("[327168,327424]", "[-256,0]");
    expect("negative offset", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL); free(y);
    EDIT("[327168,327424]", "[1e300,1e301]");
    expect("huge offsets", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL); free(y);
    EDIT("\"data_offsets\":[327168,327424]", "\"data_offsets\":[327168]");
    expect("one offset", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL); free(y);
    /* shapes whose byte size overflows, and absurd ranks */
    EDIT("\"shape\":[64],\"data_offsets\":[327168", "\"shape\":[1099511627776,1099511627776],\"data_offsets\":[327168");
    expect("shape overflow", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, "overflow"); free(y);
    EDIT("\"shape\":[64],\"data_offsets\":[327168", "\"shape\":[4294967296,4294967296,4294967296],\"data_offsets\":[327168");
    expect("shape overflow 3d", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL); free(y);
    EDIT("\"shape\":[64],\"data_offsets\":[327168", "\"shape\":[1,1,1,1,1,1,1,1,1,64],\"data_offsets\":[327168");
    expect("too many dims", load_mem(y, n, cfg, &err), MAMBA_ERR_UNSUPPORTED, &err, NULL); free(y);
    EDIT("\"shape\":[64],\"data_offsets\":[327168", "\"shape\":[-64],\"data_offsets\":[327168");
    expect("negative dim", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL); free(y);
    EDIT("\"shape\":[64],\"data_offsets\":[327168", "\"shape\":[6.5],\"data_offsets\":[327168");
    expect("fractional dim", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL); free(y);
    EDIT("\"backbone.norm_f.weight\":{\"dtype\":\"F32\",", "\"backbone.norm_f.weight\":{");
    expect("no dtype", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL); free(y);
    EDIT("\"backbone.norm_f.weight\":{", "\"backbone.norm_f.weight\":7,\"x\":{");
    expect("entry not an object", load_mem(y, n, cfg, &err), MAMBA_ERR_FORMAT, &err, NULL); free(y);
#undef EDIT
}

static void bad_json_and_config(const unsigned char *w, size_t wn, const char *cfg) {
    mamba_error err;
    char *deep, buf[4096];
    int i;
    static const struct { const char *from, *to; mamba_status want; const char *needle; } cases[] = {
        {"\"hidden_size\": 64", "\"hidden_size\": 0", MAMBA_ERR_CONFIG, "hidden_size"},
        {"\"hidden_size\": 64", "\"hidden_size\": -5", MAMBA_ERR_CONFIG, "hidden_size"},
        {"\"hidden_size\": 64", "\"hidden_size\": 1e12", MAMBA_ERR_CONFIG, "hidden_size"},
        {"\"hidden_size\": 64", "\"hidden_size\": 64.5", MAMBA_ERR_CONFIG, "hidden_size"},
        {"\"hidden_size\": 64", "\"hidden_size\": \"64\"", MAMBA_ERR_CONFIG, "hidden_size"},
        {"\"hidden_size\": 64", "\"hidden_size\": 65", MAMBA_ERR_SHAPE, "expected"},
        {"\"hidden_size\": 64", "\"hidden_size\": 1048576", MAMBA_ERR_SHAPE, NULL},
        {"\"hidden_size\": 64", "\"hidden_sizes\": 64", MAMBA_ERR_CONFIG, "hidden_size is missing"},
        {"\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3", MAMBA_ERR_MISSING, "backbone.layers.2"},
        {"\"num_hidden_layers\": 2", "\"num_hidden_layers\": 0", MAMBA_ERR_CONFIG, "num_hidden_layers"},
        {"\"num_hidden_layers\": 2", "\"num_hidden_layers\": 100000", MAMBA_ERR_CONFIG, "num_hidden_layers"},
        {"\"state_size\": 16", "\"state_size\": 0", MAMBA_ERR_CONFIG, "state_size"},
        {"\"state_size\": 16", "\"state_size\": 17", MAMBA_ERR_SHAPE, NULL},
        {"\"conv_kernel\": 4", "\"conv_kernel\": -1", MAMBA_ERR_CONFIG, "conv_kernel"},
        {"\"conv_kernel\": 4", "\"conv_kernel\": 1000", MAMBA_ERR_CONFIG, "conv_kernel"},
        {"\"vocab_size\": 256", "\"vocab_size\": 0", MAMBA_ERR_CONFIG, "vocab_size"},
        {"\"vocab_size\": 256", "\"vocab_size\": 257", MAMBA_ERR_SHAPE, "embeddings"},
        {"\"vocab_size\": 256", "\"vocab_size\": 99999999999", MAMBA_ERR_CONFIG, "vocab_size"},
        {"\"intermediate_size\": 128", "\"intermediate_size\": 4000000", MAMBA_ERR_CONFIG, "intermediate_size"},
        {"\"time_step_rank\": 4", "\"time_step_rank\": \"bogus\"", MAMBA_ERR_CONFIG, "time_step_rank"},
        {"\"time_step_rank\": 4", "\"time_step_rank\": 0", MAMBA_ERR_CONFIG, "time_step_rank"},
        {"\"layer_norm_epsilon\": 1e-05", "\"layer_norm_epsilon\": -1", MAMBA_ERR_CONFIG, "layer_norm_epsilon"},
        {"\"layer_norm_epsilon\": 1e-05", "\"layer_norm_epsilon\": NaN", MAMBA_ERR_CONFIG, "layer_norm_epsilon"},
        {"\"model_type\": \"mamba\"", "\"model_type\": \"llama\"", MAMBA_ERR_UNSUPPORTED, "llama"},
        {"\"model_type\": \"mamba\"", "\"model_type\": \"mamba3\"", MAMBA_ERR_UNSUPPORTED, "mamba3"},
        {"\"model_type\": \"mamba\"", "\"model_type\": \"mamba2\"", MAMBA_ERR_CONFIG, "n_groups"},
        {"\"model_type\": \"mamba\"", "\"model_type\": \"mamba2\", \"n_groups\": 1", MAMBA_ERR_SHAPE, "expected [290, 64]"},
        {"\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false", MAMBA_ERR_MISSING, "lm_head"},
        {"\"use_bias\": false", "\"use_bias\": fals", MAMBA_ERR_FORMAT, "config.json"},
        {"\"vocab_size\": 256\n}", "\"vocab_size\": 256\n", MAMBA_ERR_FORMAT, "truncated"},
        {"\"vocab_size\": 256\n}", "\"vocab_size\": 256\n}}", MAMBA_ERR_FORMAT, "config.json"},
        {"{", "[", MAMBA_ERR_FORMAT, NULL},
        {"\"bos_token_id\": 0", "\"bos_token_id\": 0,", MAMBA_ERR_FORMAT, NULL},
        {"\"bos_token_id\": 0", "\"bos_token_id\": \"\\x\"", MAMBA_ERR_FORMAT, "escape"},
    };
    for (i = 0; i < (int)(sizeof cases / sizeof cases[0]); i++) {
        const char *pos = strstr(cfg, cases[i].from);
        char what[160];
        CHECK(pos != NULL, "config case %d: '%s' not in config", i, cases[i].from);
        if (!pos) continue;
        sprintf(buf, "%.*s%s%s", (int)(pos - cfg), cfg, cases[i].to, pos + strlen(cases[i].from));
        sprintf(what, "config %s", cases[i].to);
        expect(what, load_mem(w, wn, buf, &err), cases[i].want, &err, cases[i].needle);
    }
    /* the Infinity/NaN literals Python writes are accepted where a number is free-form */
    {
        const char *pos = strstr(cfg, "\"time_step_floor\": 0.0001");
        CHECK(pos != NULL, "time_step_floor in config");
        if (pos) {
            sprintf(buf, "%.*s%s%s", (int)(pos - cfg), cfg, "\"time_step_floor\": -Infinity, \"x\": [0.0, Infinity, NaN]", pos + strlen("\"time_step_floor\": 0.0001"));
            expect("Infinity literals", load_mem(w, wn, buf, &err), MAMBA_OK, &err, NULL);
        }
    }
    /* JSON nested absurdly deep: a clean limit, no stack overflow */
    deep = (char *)malloc(2000020);
    strcpy(deep, "{\"a\":");
    for (i = 0; i < 1000000; i++) deep[5 + i] = '[';
    for (i = 0; i < 1000000; i++) deep[1000005 + i] = ']';
    strcpy(deep + 2000005, "}");
    expect("deep JSON config", load_mem(w, wn, deep, &err), MAMBA_ERR_LIMIT, &err, "deeper");
    free(deep);
    expect("empty config", load_mem(w, wn, "", &err), MAMBA_ERR_FORMAT, &err, NULL);
    expect("config not an object", load_mem(w, wn, "42", &err), MAMBA_ERR_CONFIG, &err, NULL);
    expect("config control char", load_mem(w, wn, "{\"a\":\"\x01\"}", &err), MAMBA_ERR_FORMAT, &err, "control");
    expect("config lone surrogate ok", load_mem(w, wn, "{\"a\":\"\\ud800\"}", &err), MAMBA_ERR_CONFIG, &err, "model_type is missing");
    {
        mamba_model *m = NULL;
        CHECK(mamba_model_load_memory(NULL, w, wn, cfg, strlen(cfg), NULL, &err) == MAMBA_ERR_BADARG, "NULL out");
        CHECK(mamba_model_load_memory(&m, NULL, 0, cfg, strlen(cfg), NULL, NULL) == MAMBA_ERR_BADARG, "NULL weights, NULL err");
        CHECK(mamba_model_load_memory(&m, w, wn, NULL, 0, NULL, &err) == MAMBA_ERR_BADARG, "NULL config");
    }
    {   /* caller limits */
        mamba_options o;
        mamba_model *m = NULL;
        memset(&o, 0, sizeof o);
        o.max_json_bytes = 1000;
        CHECK(mamba_model_load_memory(&m, w, wn, cfg, strlen(cfg), &o, &err) == MAMBA_ERR_LIMIT, "header limit: %s", err.message);
        o.max_json_bytes = 0;
        o.max_tensors = 5;
        CHECK(mamba_model_load_memory(&m, w, wn, cfg, strlen(cfg), &o, &err) == MAMBA_ERR_LIMIT, "tensor limit: %s", err.message);
        o.max_tensors = 0;
        o.max_json_depth = 1;
        CHECK(mamba_model_load_memory(&m, w, wn, cfg, strlen(cfg), &o, &err) == MAMBA_ERR_LIMIT, "depth limit: %s", err.message);
        CHECK(m == NULL, "no model after limit errors");
    }
}

#ifndef MAMBA_NO_STDIO

/* A path a new user might give: each error names the path and the system's
   reason or what was expected (issue 14); the tokenizer loader takes every
   path form the model loader takes. */
static void first_contact_paths(const unsigned char *w, size_t wn, const char *cfg) {
    mamba_model *m = NULL;
    mamba_tokenizer *t = NULL, *t2 = NULL;
    mamba_error err;
    char want[512];
    sprintf(want, "cannot open build/no/such/model: %s", strerror(ENOENT));
    expect("path that does not exist", mamba_model_load_file(&m, "build/no/such/model", NULL, &err), MAMBA_ERR_IO, &err, want);
    sprintf(want, "cannot open README.md/model: %s", strerror(ENOTDIR));
    expect("path through a file", mamba_model_load_file(&m, "README.md/model", NULL, &err), MAMBA_ERR_IO, &err, want);
    expect("a file that is no model", mamba_model_load_file(&m, "README.md", NULL, &err), MAMBA_ERR_FORMAT, &err,
           "README.md is not a model: expected a model directory (config.json, or Mistral's params.json), a .gguf, .safetensors or torch.save file");
    write_file("build/tmp/bad1/empty-model", w, 0);
    expect("an empty file", mamba_model_load_file(&m, "build/tmp/bad1/empty-model", NULL, &err), MAMBA_ERR_FORMAT, &err,
           "build/tmp/bad1/empty-model is empty (expected");
    sprintf(want, "cannot open build/tmp/bad1/config.json: %s", strerror(ENOENT));
    remove("build/tmp/bad1/config.json");
    expect("a directory without config.json", mamba_model_load_file(&m, "build/tmp/bad1", NULL, &err), MAMBA_ERR_IO, &err, want);
    write_file("build/tmp/bad1/config.json", cfg, strlen(cfg));
    /* GGUF and safetensors found by their first bytes, whatever the name */
    write_file("build/tmp/bad1/weights.bin", w, wn);
    CHECK(mamba_model_load_file(&m, "build/tmp/bad1/weights.bin", NULL, &err) == MAMBA_OK, "safetensors by its header: %s", err.message);
    mamba_model_free(m); m = NULL;
    {
        size_t gn;
        char *gp = path2(shared_dir, "reference/m1-tiny/m1-tiny-Q8_0.gguf");
        unsigned char *g = read_all(gp, &gn);
        CHECK(g != NULL, "read %s", gp);
        if (g) write_file("build/tmp/bad1/model.q8", g, gn);
        CHECK(g && mamba_model_load_file(&m, "build/tmp/bad1/model.q8", NULL, &err) == MAMBA_OK, "GGUF by its magic: %s", err.message);
        mamba_model_free(m); m = NULL;
        /* a torch.save zip by its first bytes (not named .bin) next to its config.json */
        {
            size_t pn, cn;
            unsigned char *p = read_all("tests/data/pt-m1-tied-f32/pytorch_model.bin", &pn), *c = read_all("tests/data/pt-m1-tied-f32/config.json", &cn);
            mamba_model *m2 = NULL;
            CHECK(p && c, "read tests/data/pt-m1-tied-f32");
            if (p && c) { write_file("build/tmp/bad1/pt/weights.pt", p, pn); write_file("build/tmp/bad1/pt/config.json", c, cn); }
            CHECK(p && c && mamba_model_load_file(&m, "build/tmp/bad1/pt/weights.pt", NULL, &err) == MAMBA_OK, "torch.save zip by its first bytes: %s", err.message);
            CHECK(mamba_model_load_file(&m2, "tests/data/pt-m1-tied-f32", NULL, &err) == MAMBA_OK, "pt-m1-tied-f32 as a directory: %s", err.message);
            CHECK(m && m2 && mamba_model_config(m)->vocab_size == mamba_model_config(m2)->vocab_size && mamba_model_config(m)->n_layer == mamba_model_config(m2)->n_layer,
                  "the same model both ways");
            mamba_model_free(m); mamba_model_free(m2); m = NULL;
            free(p); free(c);
        }
        /* a SentencePiece tokenizer.model beside a .safetensors file (no tokenizer.json), and in its directory */
        {
            size_t sn;
            unsigned char *sp = read_all("tests/data/tokenizer-spm/mistral-v3.model", &sn);
            mamba_tokenizer *t3 = NULL;
            CHECK(sp != NULL, "read tests/data/tokenizer-spm/mistral-v3.model");
            if (sp) write_file("build/tmp/bad1/spm/tokenizer.model", sp, sn);
            CHECK(sp && mamba_tokenizer_load_file(&t, "build/tmp/bad1/spm/model.safetensors", NULL, &err) == MAMBA_OK,
                  "tokenizer.model beside a .safetensors path: %s", err.message);
            CHECK(sp && mamba_tokenizer_load_file(&t2, "build/tmp/bad1/spm", NULL, &err) == MAMBA_OK, "tokenizer.model in a directory: %s", err.message);
            CHECK(mamba_tokenizer_load_file(&t3, "tests/data/tokenizer-spm/mistral-v3.model", NULL, &err) == MAMBA_OK, "mistral-v3.model: %s", err.message);
            CHECK(t && t2 && t3 && mamba_tokenizer_n_vocab(t) == mamba_tokenizer_n_vocab(t3) && mamba_tokenizer_n_vocab(t2) == mamba_tokenizer_n_vocab(t3) &&
                  mamba_tokenizer_n_vocab(t3) > 30000, "the same SentencePiece tokenizer every way");
            mamba_tokenizer_free(t); mamba_tokenizer_free(t2); mamba_tokenizer_free(t3); t = t2 = NULL;
            free(sp);
        }
        /* the tokenizer from every path form: directory, .safetensors beside tokenizer.json, .gguf */
        CHECK(mamba_tokenizer_load_file(&t, "models/shakespeare-tiny", NULL, &err) == MAMBA_OK, "tokenizer from a directory: %s", err.message);
        CHECK(mamba_tokenizer_load_file(&t2, "models/shakespeare-tiny/model.safetensors", NULL, &err) == MAMBA_OK,
              "tokenizer from a .safetensors path: %s", err.message);
        CHECK(t && t2 && mamba_tokenizer_n_vocab(t) == mamba_tokenizer_n_vocab(t2), "the same tokenizer both ways");
        mamba_tokenizer_free(t2); t2 = NULL;
        CHECK(mamba_tokenizer_load_file(&t2, gp, NULL, &err) == MAMBA_OK, "tokenizer from a .gguf: %s", err.message);
        mamba_tokenizer_free(t); mamba_tokenizer_free(t2); t = t2 = NULL;
        free(g); free(gp);
    }
    sprintf(want, "cannot open build/tmp/bad1/tokenizer.json (the tokenizer beside build/tmp/bad1/model.safetensors): %s", strerror(ENOENT));
    remove("build/tmp/bad1/tokenizer.json");
    expect("tokenizer beside a .safetensors, missing", mamba_tokenizer_load_file(&t, "build/tmp/bad1/model.safetensors", NULL, &err),
           MAMBA_ERR_IO, &err, want);
    sprintf(want, "cannot read build/no/such: %s", strerror(ENOENT));
    expect("tokenizer path that does not exist", mamba_tokenizer_load_file(&t, "build/no/such", NULL, &err), MAMBA_ERR_IO, &err, want);
    sprintf(want, "cannot read build/tmp/bad1/tokenizer.json: %s", strerror(ENOENT));
    expect("tokenizer of a directory without one", mamba_tokenizer_load_file(&t, "build/tmp/bad1", NULL, &err), MAMBA_ERR_IO, &err, want);
    expect("empty tokenizer file", mamba_tokenizer_load_file(&t, "build/tmp/bad1/empty-model", NULL, &err), MAMBA_ERR_IO, &err,
           "build/tmp/bad1/empty-model is empty");
    remove("build/tmp/bad1/weights.bin"); remove("build/tmp/bad1/model.q8"); remove("build/tmp/bad1/empty-model");
}

static void bad_files(const unsigned char *w, size_t wn, const char *cfg) {
    mamba_model *m = NULL;
    mamba_error err;
    char idx[512];
    expect("missing directory", mamba_model_load_file(&m, "build/no/such/model", NULL, &err), MAMBA_ERR_IO, &err, "build/no/such/model");
    expect("missing file", mamba_model_load_file(&m, "build/no/such.safetensors", NULL, &err), MAMBA_ERR_IO, &err, "config.json");
    expect("empty path", mamba_model_load_file(&m, "", NULL, &err), MAMBA_ERR_BADARG, &err, NULL);
    /* a directory with a config but no weights (left over from an earlier run?) */
    remove("build/tmp/bad1/model.safetensors");
    remove("build/tmp/bad1/model.safetensors.index.json");
    write_file("build/tmp/bad1/config.json", cfg, strlen(cfg));
    expect("missing weights", mamba_model_load_file(&m, "build/tmp/bad1", NULL, &err), MAMBA_ERR_IO, &err, "model.safetensors");
    /* truncated weights file on disk */
    write_file("build/tmp/bad1/model.safetensors", w, wn / 2);
    expect("truncated file", mamba_model_load_file(&m, "build/tmp/bad1", NULL, &err), MAMBA_ERR_FORMAT, &err, "build/tmp/bad1/model.safetensors");
    write_file("build/tmp/bad1/model.safetensors", w, 0);
    expect("empty file", mamba_model_load_file(&m, "build/tmp/bad1/model.safetensors", NULL, &err), MAMBA_ERR_FORMAT, &err, "too short");
    write_file("build/tmp/bad1/model.safetensors", w, wn);
    CHECK(mamba_model_load_file(&m, "build/tmp/bad1/model.safetensors", NULL, &err) == MAMBA_OK, "a .safetensors path: %s", err.message);
    mamba_model_free(m);
    m = NULL;
    /* index files: path traversal, missing shard, no weight_map */
    sprintf(idx, "{\"weight_map\": {\"backbone.norm_f.weight\": \"../../etc/passwd\"}}");
    write_file("build/tmp/bad1/model.safetensors.index.json", idx, strlen(idx));
    expect("shard path traversal", mamba_model_load_file(&m, "build/tmp/bad1", NULL, &err), MAMBA_ERR_FORMAT, &err, "shard file name");
    sprintf(idx, "{\"weight_map\": {\"backbone.norm_f.weight\": \"nope.safetensors\"}}");
    write_file("build/tmp/bad1/model.safetensors.index.json", idx, strlen(idx));
    expect("missing shard", mamba_model_load_file(&m, "build/tmp/bad1", NULL, &err), MAMBA_ERR_IO, &err, "nope.safetensors");
    sprintf(idx, "{\"metadata\": {}}");
    write_file("build/tmp/bad1/model.safetensors.index.json", idx, strlen(idx));
    expect("no weight_map", mamba_model_load_file(&m, "build/tmp/bad1", NULL, &err), MAMBA_ERR_FORMAT, &err, "weight_map");
    sprintf(idx, "{\"weight_map\": {\"a\": \"model.safetensors\", \"b\": \"model.safetensors\"}}");
    write_file("build/tmp/bad1/model.safetensors.index.json", idx, strlen(idx));
    CHECK(mamba_model_load_file(&m, "build/tmp/bad1", NULL, &err) == MAMBA_OK, "index naming one shard twice: %s", err.message);
    mamba_model_free(m);
    remove("build/tmp/bad1/model.safetensors.index.json");
}
#endif

/* ---- limits, and hostile numbers ------------------------------------------ */

/* What a GGUF file's metadata holds, walked here independently of the library:
   key count, section bytes, longest array and string, and where tensor data
   starts. 0 if the walk fails. */
typedef struct gguf_stats { uint64_t n_kv, n_tensors, meta_bytes, max_arr, max_str; size_t info, data; } gguf_stats;
static uint64_t rd64(const unsigned char *p) { uint64_t v = 0; int b; for (b = 7; b >= 0; b--) v = v << 8 | p[b]; return v; }
static uint32_t rd32(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static int gguf_walk(const unsigned char *w, size_t n, gguf_stats *s) {
    static const int sz[13] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    size_t o = 24, meta0;
    uint64_t i, k;
    memset(s, 0, sizeof *s);
    if (n < 24) return 0;
    s->n_tensors = rd64(w + 8);
    s->n_kv = rd64(w + 16);
    meta0 = o;
    for (i = 0; i < s->n_kv; i++) {
        uint64_t kl = rd64(w + o);
        uint32_t t;
        if (kl > s->max_str) s->max_str = kl;
        o += 8 + kl;
        t = rd32(w + o);
        o += 4;
        if (t == 8) { uint64_t l = rd64(w + o); if (l > s->max_str) s->max_str = l; o += 8 + l; }
        else if (t == 9) {
            uint32_t et = rd32(w + o);
            uint64_t an = rd64(w + o + 4);
            o += 12;
            if (an > s->max_arr) s->max_arr = an;
            if (et == 8) for (k = 0; k < an; k++) { uint64_t l = rd64(w + o); if (l > s->max_str) s->max_str = l; o += 8 + l; }
            else if (et < 13 && sz[et]) o += (size_t)an * (size_t)sz[et];
            else return 0;
        } else if (t < 13 && sz[t]) o += (size_t)sz[t];
        else return 0;
        if (o > n) return 0;
    }
    s->meta_bytes = o - meta0;
    s->info = o;
    for (i = 0; i < s->n_tensors; i++) {
        uint32_t nd;
        o += 8 + rd64(w + o);
        nd = rd32(w + o);
        o += 4 + 8 * (size_t)nd + 4 + 8;
        if (o > n) return 0;
    }
    s->data = (o + 31) / 32 * 32;   /* general.alignment is absent: 32 */
    return 1;
}

/* Offset of tensor `name`'s data in a GGUF file (or 0). */
static size_t gguf_tensor_at(const unsigned char *w, const gguf_stats *s, const char *name, uint32_t *type) {
    size_t o = s->info;
    uint64_t i;
    for (i = 0; i < s->n_tensors; i++) {
        uint64_t nl = rd64(w + o);
        uint32_t nd;
        int hit = nl == strlen(name) && !memcmp(w + o + 8, name, (size_t)nl);
        o += 8 + nl;
        nd = rd32(w + o);
        o += 4 + 8 * (size_t)nd;
        if (hit) { *type = rd32(w + o); return s->data + (size_t)rd64(w + o + 4); }
        o += 12;
    }
    return 0;
}

static void limits(const unsigned char *w, size_t wn, const char *cfg) {
    mamba_options o;
    mamba_error err;
    mamba_model *m = NULL;
    char *gp = path2(shared_dir, "reference/m1-tiny/m1-tiny-Q8_0.gguf"), *pad;
    size_t gn, cn = strlen(cfg), hlen = (size_t)rd64(w);
    unsigned char *g = read_all(gp, &gn);
    gguf_stats s;
    CHECK(g && gguf_walk(g, gn, &s), "walk %s", gp);
    if (g && gguf_walk(g, gn, &s)) {
        printf("  m1-tiny Q8_0 GGUF metadata: %llu keys, %llu bytes, longest array %llu, longest string %llu\n",
               (unsigned long long)s.n_kv, (unsigned long long)s.meta_bytes, (unsigned long long)s.max_arr, (unsigned long long)s.max_str);
        CHECK(mamba_model_load_memory(&m, g, gn, NULL, 0, NULL, &err) == MAMBA_OK, "GGUF defaults: %s", err.message);
        mamba_model_free(m); m = NULL;
#define GLIM(field, value, want, needle) do { memset(&o, 0, sizeof o); o.field = (size_t)(value); \
        expect("GGUF " #field " = " #value, mamba_model_load_memory(&m, g, gn, NULL, 0, &o, &err), want, &err, needle); \
        mamba_model_free(m); m = NULL; } while (0)
        GLIM(max_metadata_kv, s.n_kv, MAMBA_OK, NULL);
        GLIM(max_metadata_kv, s.n_kv - 1, MAMBA_ERR_LIMIT, "max_metadata_kv");
        GLIM(max_metadata_bytes, s.meta_bytes, MAMBA_OK, NULL);
        GLIM(max_metadata_bytes, s.meta_bytes - 1, MAMBA_ERR_LIMIT, "max_metadata_bytes");
        GLIM(max_array_len, s.max_arr, MAMBA_OK, NULL);
        GLIM(max_array_len, s.max_arr - 1, MAMBA_ERR_LIMIT, "max_array_len");
        GLIM(max_string_bytes, s.max_str, MAMBA_OK, NULL);
        GLIM(max_string_bytes, s.max_str - 1, MAMBA_ERR_LIMIT, "max_string_bytes");
        GLIM(max_tensors, s.n_tensors, MAMBA_OK, NULL);
        GLIM(max_tensors, s.n_tensors - 1, MAMBA_ERR_LIMIT, "max_tensors");
#undef GLIM
    }
    /* config.json is held to max_json_bytes too: pad it past the safetensors header's size */
    pad = (char *)malloc(hlen + 2);
    memcpy(pad, cfg, cn);
    memset(pad + cn, ' ', hlen + 1 - cn);
    pad[hlen + 1] = 0;
    memset(&o, 0, sizeof o);
    o.max_json_bytes = hlen;
    CHECK(cn < hlen, "config shorter than the safetensors header");
    expect("config at the header limit", mamba_model_load_memory(&m, w, wn, pad, hlen, &o, &err), MAMBA_OK, &err, NULL);
    mamba_model_free(m); m = NULL;
    expect("config over the header limit", mamba_model_load_memory(&m, w, wn, pad, hlen + 1, &o, &err), MAMBA_ERR_LIMIT, &err, "config.json");
    if (err.status == MAMBA_ERR_LIMIT) CHECK(strstr(err.message, "max_json_bytes") != NULL, "message names the limit: %s", err.message);
    o.max_json_bytes = hlen - 1;
    expect("safetensors header over the limit", mamba_model_load_memory(&m, w, wn, cfg, cn, &o, &err), MAMBA_ERR_LIMIT, &err, "max_json_bytes");
#ifndef MAMBA_NO_STDIO
    {   /* the same through files: config.json and the index are read with the limit */
        char idx[4096];
        int k;
        write_file("build/tmp/bad1/model.safetensors", w, wn);
        write_file("build/tmp/bad1/config.json", pad, hlen + 1);
        o.max_json_bytes = hlen;
        expect("config.json file over the limit", mamba_model_load_file(&m, "build/tmp/bad1", &o, &err), MAMBA_ERR_LIMIT, &err, "config.json");
        write_file("build/tmp/bad1/config.json", pad, hlen);
        CHECK(mamba_model_load_file(&m, "build/tmp/bad1", &o, &err) == MAMBA_OK, "config.json file at the limit: %s", err.message);
        mamba_model_free(m); m = NULL;
        /* an index of 40 entries naming one shard, padded to hlen + 1 bytes */
        strcpy(idx, "{\"weight_map\": {");
        for (k = 0; k < 40; k++) sprintf(idx + strlen(idx), "%s\"t%d\": \"model.safetensors\"", k ? ", " : "", k);
        strcat(idx, "}}");
        CHECK(strlen(idx) < hlen, "index shorter than the header");
        memset(idx + strlen(idx), ' ', hlen + 1 - strlen(idx));
        idx[hlen + 1] = 0;
        write_file("build/tmp/bad1/model.safetensors.index.json", idx, hlen + 1);
        expect("index over the limit", mamba_model_load_file(&m, "build/tmp/bad1", &o, &err), MAMBA_ERR_LIMIT, &err, "index.json");
        write_file("build/tmp/bad1/model.safetensors.index.json", idx, hlen);
        CHECK(mamba_model_load_file(&m, "build/tmp/bad1", &o, &err) == MAMBA_OK, "index at the limit: %s", err.message);
        mamba_model_free(m); m = NULL;
        memset(&o, 0, sizeof o);
        o.max_tensors = 39;
        expect("index entries over max_tensors", mamba_model_load_file(&m, "build/tmp/bad1", &o, &err), MAMBA_ERR_LIMIT, &err, "weight_map");
        remove("build/tmp/bad1/model.safetensors.index.json");
        write_file("build/tmp/bad1/config.json", cfg, cn);
    }
#endif
    free(pad); free(g); free(gp);
}

/* Runs a loaded model every way (step, chunked forward with every logits
   mode, argmax, every sampler) and checks that only in-range tokens come out. */
static void run_hostile(mamba_model *m, const char *what) {
    int V = mamba_model_config(m)->vocab_size, toks[7], i, chunk;
    float *all = (float *)malloc(sizeof(float) * 7 * (size_t)V), *one = (float *)malloc(sizeof(float) * (size_t)V);
    mamba_state *s;
    char w2[128];
    for (i = 0; i < 7; i++) toks[i] = (i * 37 + 1) % V;
    for (chunk = 1; chunk <= 4; chunk += 3) {
        CHECK(mamba_state_new(&s, m, chunk) == MAMBA_OK, "%s: state", what);
        CHECK(mamba_step(m, s, toks[0], one) == MAMBA_OK, "%s: step", what);
        sprintf(w2, "%s, step", what);
        if (chunk == 1) sample_all_ways(one, V, w2);
        CHECK(mamba_forward(m, s, toks, 7, all, MAMBA_LOGITS_ALL) == MAMBA_OK, "%s: forward ALL", what);
        sprintf(w2, "%s, chunk %d, last token", what, chunk);
        sample_all_ways(all + (size_t)6 * V, V, w2);
        CHECK(mamba_forward(m, s, toks, 7, one, MAMBA_LOGITS_LAST) == MAMBA_OK, "%s: forward LAST", what);
        CHECK(mamba_forward(m, s, toks, 7, NULL, MAMBA_LOGITS_NONE) == MAMBA_OK, "%s: forward NONE", what);
        mamba_state_free(s);
    }
    free(all); free(one);
}

/* Offset of a tensor's data in a safetensors file (from its data_offsets). */
static size_t st_tensor_at(const unsigned char *w, const char *name, size_t *nbytes) {
    size_t hlen = (size_t)rd64(w);
    char *hdr = (char *)malloc(hlen + 1), key[200], *p;
    unsigned long long a = 0, b = 0;
    memcpy(hdr, w + 8, hlen);
    hdr[hlen] = 0;
    sprintf(key, "\"%s\":", name);
    p = strstr(hdr, key);
    if (p) p = strstr(p, "\"data_offsets\":[");
    if (p) sscanf(p + 16, "%llu,%llu", &a, &b);
    free(hdr);
    *nbytes = (size_t)(b - a);
    return p ? 8 + hlen + (size_t)a : 0;
}

static void numeric_hostility(const unsigned char *w, size_t wn, const char *cfg) {
    static const struct { const char *tensor; long first, count; float value; const char *shown; } cases[] = {
        {"backbone.layers.1.mixer.in_proj.weight", 5, 1, NAN, "NaN"},
        {"backbone.layers.0.mixer.x_proj.weight", 100, 1, HUGE_VALF, "+inf"},
        {"backbone.layers.0.mixer.dt_proj.bias", 3, 1, -HUGE_VALF, "-inf"},
        {"backbone.layers.0.mixer.A_log", 0, -1, 1e38f, NULL},          /* A = -exp(1e38) = -inf */
        {"backbone.layers.1.mixer.out_proj.weight", 0, -1, 1e38f, NULL}, /* the residual overflows */
        {"backbone.norm_f.weight", 0, -1, NAN, "NaN"},                    /* every logit NaN */
        {"backbone.embeddings.weight", 64 * 37, 64, HUGE_VALF, "+inf"},   /* token 37's row (and a logit) */
        {"backbone.layers.0.mixer.D", 0, -1, -3e38f, NULL},
    };
    size_t c;
    mamba_options o;
    mamba_error err;
    mamba_model *m;
    unsigned char *x = (unsigned char *)malloc(wn);
    memset(&o, 0, sizeof o);
    o.validate_weights = 1;
    CHECK(mamba_model_load_memory(&m, w, wn, cfg, strlen(cfg), &o, &err) == MAMBA_OK, "clean weights validate: %s", err.message);
    mamba_model_free(m);
    for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t nb, at = st_tensor_at(w, cases[c].tensor, &nb), k, n;
        char what[200], needle[240];
        CHECK(at > 0 && nb % 4 == 0, "find %s", cases[c].tensor);
        if (!at) continue;
        n = cases[c].count < 0 ? nb / 4 : (size_t)cases[c].count;
        memcpy(x, w, wn);
        for (k = 0; k < n; k++) memcpy(x + at + 4 * ((size_t)cases[c].first + k), &cases[c].value, 4);
        sprintf(what, "%s[%ld..] = %g", cases[c].tensor, cases[c].first, (double)cases[c].value);
        o.validate_weights = 1;
        if (cases[c].shown) {
            sprintf(needle, "tensor %s holds %s at element %ld", cases[c].tensor, cases[c].shown, cases[c].first);
            expect(what, mamba_model_load_memory(&m, x, wn, cfg, strlen(cfg), &o, &err), MAMBA_ERR_RANGE, &err, needle);
        } else {
            CHECK(mamba_model_load_memory(&m, x, wn, cfg, strlen(cfg), &o, &err) == MAMBA_OK, "%s: finite, validates: %s", what, err.message);
            mamba_model_free(m);
        }
        o.validate_weights = 0;
        CHECK(mamba_model_load_memory(&m, x, wn, cfg, strlen(cfg), &o, &err) == MAMBA_OK, "%s: loads unvalidated: %s", what, err.message);
        if (m) run_hostile(m, what);
        mamba_model_free(m);
    }
    free(x);
    {   /* F16 weights: a NaN and a -inf half */
        static const struct { const char *tensor; size_t at; unsigned short bits; const char *shown; } h[] = {
            {"backbone.layers.1.mixer.in_proj.weight", 30, 0x7E00, "NaN"},
            {"backbone.layers.0.mixer.conv1d.weight", 5, 0xFC00, "-inf"}};
        size_t fn, fc, k;
        unsigned char *fw = read_all("tests/data/m1-f16-untied-bias/model.safetensors", &fn);
        char *fcfg = (char *)read_all("tests/data/m1-f16-untied-bias/config.json", &fc);
        CHECK(fw && fcfg, "read m1-f16-untied-bias");
        for (k = 0; fw && fcfg && k < 2; k++) {
            size_t nb, at = st_tensor_at(fw, h[k].tensor, &nb);
            unsigned char *y = (unsigned char *)malloc(fn);
            char needle[200];
            CHECK(at > 0 && nb > 2 * h[k].at, "find %s", h[k].tensor);
            memcpy(y, fw, fn);
            y[at + 2 * h[k].at] = (unsigned char)(h[k].bits & 0xFF);
            y[at + 2 * h[k].at + 1] = (unsigned char)(h[k].bits >> 8);
            o.validate_weights = 1;
            sprintf(needle, "tensor %s holds %s at element %zu", h[k].tensor, h[k].shown, h[k].at);
            expect("F16 non-finite", mamba_model_load_memory(&m, y, fn, fcfg, fc, &o, &err), MAMBA_ERR_RANGE, &err, needle);
            o.validate_weights = 0;
            CHECK(mamba_model_load_memory(&m, y, fn, fcfg, fc, &o, &err) == MAMBA_OK, "F16 non-finite, unvalidated: %s", err.message);
            if (m) run_hostile(m, needle);
            mamba_model_free(m);
            free(y);
        }
        free(fw); free(fcfg);
    }
    {   /* a quantized tensor: an infinite f16 block scale in the Q8_0 GGUF */
        char *gp = path2(shared_dir, "reference/m1-tiny/m1-tiny-Q8_0.gguf");
        size_t gn, at;
        unsigned char *g = read_all(gp, &gn);
        gguf_stats s;
        uint32_t type = 0;
        CHECK(g && gguf_walk(g, gn, &s), "walk %s", gp);
        at = g && gguf_walk(g, gn, &s) ? gguf_tensor_at(g, &s, "blk.1.ssm_in.weight", &type) : 0;
        CHECK(at > 0 && type == 8, "find blk.1.ssm_in.weight (Q8_0)");
        if (at > 0 && type == 8) {
            g[at + 34 * 3] = 0x00; g[at + 34 * 3 + 1] = 0x7C;   /* block 3's scale: f16 +inf */
            o.validate_weights = 1;
            expect("Q8_0 scale +inf", mamba_model_load_memory(&m, g, gn, NULL, 0, &o, &err), MAMBA_ERR_RANGE, &err,
                   "backbone.layers.1.mixer.in_proj.weight holds");
            CHECK(strstr(err.message, "element 96") != NULL, "first element of block 3: %s", err.message);
            o.validate_weights = 0;
            CHECK(mamba_model_load_memory(&m, g, gn, NULL, 0, &o, &err) == MAMBA_OK, "Q8_0 inf scale, unvalidated: %s", err.message);
            if (m) run_hostile(m, "Q8_0 inf scale");
            mamba_model_free(m);
        }
        free(g); free(gp);
    }
    {   /* issue 19's types: an infinite or NaN f16 scale (or min) in one block of each */
        static const struct { const char *dir, *gname, *hname; uint32_t type; int bb, be, off; uint16_t bits; } hq[] = {
            {"tests/data/m1-q2k-q3k-q5k-iq4xs-gguf", "token_embd.weight", "backbone.embeddings.weight", 10, 84, 256, 80, 0x7C00},
            {"tests/data/m1-q2k-q3k-q5k-iq4xs-gguf", "blk.1.ssm_in.weight", "backbone.layers.1.mixer.in_proj.weight", 13, 176, 256, 2, 0xFC00},
            {"tests/data/m1-q2k-q3k-q5k-iq4xs-gguf", "blk.1.ssm_x.weight", "backbone.layers.1.mixer.x_proj.weight", 11, 110, 256, 108, 0x7E00},
            {"tests/data/m1-q2k-q3k-q5k-iq4xs-gguf", "blk.0.ssm_out.weight", "backbone.layers.0.mixer.out_proj.weight", 23, 136, 256, 0, 0x7C00},
            {"tests/data/m1-q2k-q3k-q5k-iq4xs-gguf", "output.weight", "lm_head.weight", 13, 176, 256, 0, 0x7E00},
            {"tests/data/m1-q4_1-q5-iq4nl-gguf", "token_embd.weight", "backbone.embeddings.weight", 20, 18, 32, 0, 0xFC00},
            {"tests/data/m1-q4_1-q5-iq4nl-gguf", "blk.1.ssm_in.weight", "backbone.layers.1.mixer.in_proj.weight", 7, 24, 32, 2, 0x7C00},
            {"tests/data/m1-q4_1-q5-iq4nl-gguf", "blk.1.ssm_x.weight", "backbone.layers.1.mixer.x_proj.weight", 6, 22, 32, 0, 0x7E00},
            {"tests/data/m1-q4_1-q5-iq4nl-gguf", "blk.0.ssm_dt.weight", "backbone.layers.0.mixer.dt_proj.weight", 3, 20, 32, 2, 0xFC00},
            {"tests/data/m1-q4_1-q5-iq4nl-gguf", "blk.1.ssm_out.weight", "backbone.layers.1.mixer.out_proj.weight", 20, 18, 32, 0, 0x7C00}};
        size_t k;
        for (k = 0; k < sizeof hq / sizeof hq[0]; k++) {
            char *gp = path2(hq[k].dir, "model.gguf"), needle[160];
            size_t gn, at;
            unsigned char *g = read_all(gp, &gn);
            gguf_stats s;
            uint32_t type = 0;
            at = g && gguf_walk(g, gn, &s) ? gguf_tensor_at(g, &s, hq[k].gname, &type) : 0;
            CHECK(at > 0 && type == hq[k].type, "find %s (ggml type %u) in %s", hq[k].gname, hq[k].type, gp);
            if (at > 0 && type == hq[k].type) {
                g[at + (size_t)hq[k].bb * 3 + (size_t)hq[k].off] = (unsigned char)(hq[k].bits & 0xFF);
                g[at + (size_t)hq[k].bb * 3 + (size_t)hq[k].off + 1] = (unsigned char)(hq[k].bits >> 8);
                o.validate_weights = 1;
                sprintf(needle, "%s holds", hq[k].hname);
                expect(hq[k].gname, mamba_model_load_memory(&m, g, gn, NULL, 0, &o, &err), MAMBA_ERR_RANGE, &err, needle);
                sprintf(needle, "at element %d", 3 * hq[k].be);
                CHECK(strstr(err.message, needle) != NULL, "%s: first element of block 3: %s", hq[k].gname, err.message);
                o.validate_weights = 0;
                CHECK(mamba_model_load_memory(&m, g, gn, NULL, 0, &o, &err) == MAMBA_OK, "%s non-finite scale, unvalidated: %s", hq[k].gname, err.message);
                if (m) run_hostile(m, hq[k].gname);
                mamba_model_free(m);
            }
            free(g); free(gp);
        }
    }
}

int main(int argc, char **argv) {
    unsigned char *w, *cfg;
    size_t wn, cn;
    suite_start(argc, argv);
    printf("bad input and limits:\n");
    if (read_tiny(&w, &wn, &cfg, &cn)) {
        bad_weights(w, wn, (const char *)cfg);
        bad_json_and_config(w, wn, (const char *)cfg);
#ifndef MAMBA_NO_STDIO
        bad_files(w, wn, (const char *)cfg);
        first_contact_paths(w, wn, (const char *)cfg);
#endif
        limits(w, wn, (const char *)cfg);
        numeric_hostility(w, wn, (const char *)cfg);
    }
    free(w); free(cfg);
    return test_summary();
}
