/* mamba-server: an OpenAI-compatible HTTP server with continuous batching.

   build/mamba-server -m MODEL [--host 127.0.0.1] [--port 8080] [-np SLOTS]
                      [-t THREADS] [--cache-mib N] [--api-key KEY]
                      [--max-body BYTES] [--timeout S] [more: --help]

   One process, one thread of control: non-blocking sockets under poll(), and
   a compute loop that advances every active request by one unit each step
   (a prompt chunk or one decoded token), so a new request's prompt is
   prefilled in chunks between the decode steps of the others. A request
   whose prompt starts with a prefix the server has seen resumes from the
   saved recurrent state of that prefix (a few MB per entry, whatever the
   length), so a conversation that comes back with its history, or many
   requests sharing a system prompt, skip the shared part.

   Endpoints: POST /v1/completions, POST /v1/chat/completions (OpenAI request
   and response shapes; "stream": true gives Server-Sent Events in OpenAI's
   chunk format ending in "data: [DONE]"), GET /v1/models, GET /health,
   GET /metrics (Prometheus text). See README.md, "Serve it".

   Chat templates: ChatML ("<|im_start|>role\ncontent<|im_end|>\n", then
   "<|im_start|>assistant\n"; Falcon-Mamba-7B-instruct's template is of this
   form, as far as we could check) when the model's chat template (tokenizer_config.json "chat_template"
   or the GGUF key tokenizer.chat_template) mentions <|im_start|>; otherwise
   the plain fallback: a system message as its text and a blank line, then
   "User: text\n" and "Assistant: text\n" per message, ending in "Assistant:",
   with "\nUser:" as a stop string. --chat-template chatml|plain overrides.

   Options as the other tools (examples/tool.h): --help on stdout, exit 0; a
   usage error (unknown option, bad value: its range is named) exit 2; a
   failure at run time (the model does not load, the port is taken) exit 1.

   POSIX (sockets, poll, signals); everything else is the public mamba.h API.
   The engine layer below (eng_run, the prefix cache) is the one place that
   differs between the per-sequence calls and the batched forward over many
   sequences (SERVER_BATCH). */
#define _POSIX_C_SOURCE 200809L
#define MAMBA_IMPLEMENTATION
#include "../mamba.h"
#include "tool.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* SERVER_BATCH 1: the engine uses mamba_forward_batch (one call advances
   every slot, each weight read once per step) and the library's mamba_cache,
   from the many-sequences issue; 0: one mamba_forward/mamba_step per slot and
   the server's own prefix cache on mamba_state_copy. Same results bit for bit
   (the library guarantees batched == alone), so the tests are the same. */
#ifndef SERVER_BATCH
#define SERVER_BATCH 1
#endif

#define MAX_STOP 8            /* stop strings per request                     */
#define MAX_STOP_BYTES 256    /* bytes of one stop string                     */
#define MAX_GEN (1 << 20)     /* max_tokens upper bound                       */
#define JSON_MAX_DEPTH 64
#define JSON_MAX_NODES (1 << 20)

/* ---- small utilities ---------------------------------------------------- */

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

typedef struct sbuf { char *p; size_t n, cap; } sbuf;

static int sb_reserve(sbuf *b, size_t extra) {
    size_t need, cap;
    char *np;
    if (extra > ((size_t)-1) / 4 - b->n) return 0;
    need = b->n + extra + 1;
    if (need <= b->cap) return 1;
    cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    np = (char *)realloc(b->p, cap);
    if (!np) return 0;
    b->p = np;
    b->cap = cap;
    return 1;
}
static int sb_put(sbuf *b, const void *s, size_t n) {
    if (!sb_reserve(b, n)) return 0;
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
    return 1;
}
static int sb_str(sbuf *b, const char *s) { return sb_put(b, s, strlen(s)); }
static int sb_printf(sbuf *b, const char *fmt, ...) {
    va_list ap;
    int k;
    char tmp[512];
    va_start(ap, fmt);
    k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0) return 0;
    if ((size_t)k < sizeof tmp) return sb_put(b, tmp, (size_t)k);
    if (!sb_reserve(b, (size_t)k)) return 0;
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)k + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)k;
    return 1;
}
/* s[0..n) as a JSON string literal (s is valid UTF-8: the decoder repairs). */
static int sb_json(sbuf *b, const char *s, size_t n) {
    size_t i;
    if (!sb_reserve(b, n + 2)) return 0;
    b->p[b->n++] = '"';
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') { char e[2] = {'\\', (char)ch}; if (!sb_put(b, e, 2)) return 0; }
        else if (ch == '\n') { if (!sb_put(b, "\\n", 2)) return 0; }
        else if (ch == '\r') { if (!sb_put(b, "\\r", 2)) return 0; }
        else if (ch == '\t') { if (!sb_put(b, "\\t", 2)) return 0; }
        else if (ch < 0x20 || ch == 0x7f) { if (!sb_printf(b, "\\u%04x", ch)) return 0; }
        else if (!sb_put(b, &s[i], 1)) return 0;
    }
    return sb_put(b, "\"", 1);
}
static void sb_free(sbuf *b) { free(b->p); b->p = NULL; b->n = b->cap = 0; }

/* Length of the valid UTF-8 sequence at s (max n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n) {
    unsigned c = s[0];
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80) return 0;
        if (c == 0xe0 && s[1] < 0xa0) return 0;          /* overlong */
        if (c == 0xed && s[1] >= 0xa0) return 0;         /* surrogate */
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80) return 0;
        if (c == 0xf0 && s[1] < 0x90) return 0;
        if (c == 0xf4 && s[1] >= 0x90) return 0;
        return 4;
    }
    return 0;
}
static int ci_eq(const char *a, const char *b, size_t n) {   /* ASCII case-insensitive */
    size_t i;
    for (i = 0; i < n; i++) {
        int x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z') x += 32;
        if (y >= 'A' && y <= 'Z') y += 32;
        if (x != y) return 0;
    }
    return 1;
}
static size_t utf8_put(char *o, unsigned cp) {
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xc0 | cp >> 6); o[1] = (char)(0x80 | (cp & 63)); return 2; }
    if (cp < 0x10000) { o[0] = (char)(0xe0 | cp >> 12); o[1] = (char)(0x80 | (cp >> 6 & 63)); o[2] = (char)(0x80 | (cp & 63)); return 3; }
    o[0] = (char)(0xf0 | cp >> 18); o[1] = (char)(0x80 | (cp >> 12 & 63)); o[2] = (char)(0x80 | (cp >> 6 & 63)); o[3] = (char)(0x80 | (cp & 63));
    return 4;
}

/* ---- JSON: a small bounded parser for request bodies --------------------
   Parses the whole text into a flat node array (children linked by index),
   strict RFC 8259: UTF-8 checked, depth and node count capped, no trailing
   garbage. Never reads outside s[0..n). */
enum { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };
typedef struct jnode { int type, child, next, count; size_t off, len; double num; } jnode;
typedef struct jdoc { const char *s; size_t n, i; jnode *v; int nv, cap; const char *err; } jdoc;

static void j_ws(jdoc *d) {
    while (d->i < d->n && (d->s[d->i] == ' ' || d->s[d->i] == '\t' || d->s[d->i] == '\n' || d->s[d->i] == '\r')) d->i++;
}
static int j_new(jdoc *d, int type) {
    if (d->nv == d->cap) {
        int cap = d->cap ? d->cap * 2 : 64;
        jnode *nv;
        if (cap > JSON_MAX_NODES) { d->err = "too many JSON values"; return -1; }
        nv = (jnode *)realloc(d->v, sizeof(jnode) * (size_t)cap);
        if (!nv) { d->err = "out of memory"; return -1; }
        d->v = nv;
        d->cap = cap;
    }
    memset(&d->v[d->nv], 0, sizeof(jnode));
    d->v[d->nv].type = type;
    d->v[d->nv].child = d->v[d->nv].next = -1;
    return d->nv++;
}
static int j_hex4(const char *s, unsigned *out) {
    unsigned v = 0;
    int k;
    for (k = 0; k < 4; k++) {
        char ch = s[k];
        v <<= 4;
        if (ch >= '0' && ch <= '9') v |= (unsigned)(ch - '0');
        else if (ch >= 'a' && ch <= 'f') v |= (unsigned)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F') v |= (unsigned)(ch - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}
static int j_string(jdoc *d, int node) {   /* at the opening quote */
    size_t i = d->i + 1;
    while (i < d->n) {
        unsigned char ch = (unsigned char)d->s[i];
        if (ch == '"') { d->v[node].off = d->i + 1; d->v[node].len = i - d->i - 1; d->i = i + 1; return 1; }
        if (ch < 0x20) { d->err = "control character in a JSON string"; return 0; }
        if (ch == '\\') {
            unsigned u;
            if (i + 1 >= d->n) break;
            ch = (unsigned char)d->s[i + 1];
            if (ch == 'u') {
                if (i + 6 > d->n || !j_hex4(d->s + i + 2, &u)) { d->err = "bad \\u escape in a JSON string"; return 0; }
                i += 6;
            } else if (strchr("\"\\/bfnrt", ch) && ch) i += 2;
            else { d->err = "bad escape in a JSON string"; return 0; }
            continue;
        }
        if (ch >= 0x80) {
            size_t k = utf8_len((const unsigned char *)d->s + i, d->n - i);
            if (!k) { d->err = "invalid UTF-8 in a JSON string"; return 0; }
            i += k;
            continue;
        }
        i++;
    }
    d->err = "unterminated JSON string";
    return 0;
}
static int j_value(jdoc *d, int depth) {
    int node, prev = -1;
    char ch;
    j_ws(d);
    if (d->i >= d->n) { d->err = "unexpected end of JSON"; return -1; }
    if (depth > JSON_MAX_DEPTH) { d->err = "JSON nested too deeply"; return -1; }
    ch = d->s[d->i];
    if (ch == '{' || ch == '[') {
        int obj = ch == '{';
        if ((node = j_new(d, obj ? J_OBJ : J_ARR)) < 0) return -1;
        d->i++;
        j_ws(d);
        if (d->i < d->n && d->s[d->i] == (obj ? '}' : ']')) { d->i++; return node; }
        for (;;) {
            int kid;
            if (obj) {
                j_ws(d);
                if (d->i >= d->n || d->s[d->i] != '"') { d->err = "expected a string key in a JSON object"; return -1; }
                if ((kid = j_new(d, J_STR)) < 0 || !j_string(d, kid)) return -1;
                if (prev < 0) d->v[node].child = kid; else d->v[prev].next = kid;
                prev = kid;
                j_ws(d);
                if (d->i >= d->n || d->s[d->i] != ':') { d->err = "expected ':' in a JSON object"; return -1; }
                d->i++;
            }
            if ((kid = j_value(d, depth + 1)) < 0) return -1;
            if (prev < 0) d->v[node].child = kid; else d->v[prev].next = kid;
            prev = kid;
            d->v[node].count++;
            j_ws(d);
            if (d->i < d->n && d->s[d->i] == ',') { d->i++; continue; }
            if (d->i < d->n && d->s[d->i] == (obj ? '}' : ']')) { d->i++; return node; }
            d->err = obj ? "expected ',' or '}' in a JSON object" : "expected ',' or ']' in a JSON array";
            return -1;
        }
    }
    if (ch == '"') {
        if ((node = j_new(d, J_STR)) < 0 || !j_string(d, node)) return -1;
        return node;
    }
    if (ch == '-' || (ch >= '0' && ch <= '9')) {
        size_t i = d->i, st = i;
        char tmp[64];
        if (d->s[i] == '-') i++;
        if (i < d->n && d->s[i] == '0') i++;
        else if (i < d->n && d->s[i] >= '1' && d->s[i] <= '9') while (i < d->n && d->s[i] >= '0' && d->s[i] <= '9') i++;
        else { d->err = "bad JSON number"; return -1; }
        if (i < d->n && d->s[i] == '.') {
            i++;
            if (i >= d->n || d->s[i] < '0' || d->s[i] > '9') { d->err = "bad JSON number"; return -1; }
            while (i < d->n && d->s[i] >= '0' && d->s[i] <= '9') i++;
        }
        if (i < d->n && (d->s[i] == 'e' || d->s[i] == 'E')) {
            i++;
            if (i < d->n && (d->s[i] == '+' || d->s[i] == '-')) i++;
            if (i >= d->n || d->s[i] < '0' || d->s[i] > '9') { d->err = "bad JSON number"; return -1; }
            while (i < d->n && d->s[i] >= '0' && d->s[i] <= '9') i++;
        }
        if (i - st >= sizeof tmp) { d->err = "JSON number too long"; return -1; }
        if ((node = j_new(d, J_NUM)) < 0) return -1;
        memcpy(tmp, d->s + st, i - st);
        tmp[i - st] = 0;
        d->v[node].num = strtod(tmp, NULL);
        d->v[node].off = st;
        d->v[node].len = i - st;
        d->i = i;
        return node;
    }
    {
        static const char *const lit[3] = {"null", "false", "true"};
        int k;
        for (k = 0; k < 3; k++) {
            size_t L = strlen(lit[k]);
            if (d->n - d->i >= L && !memcmp(d->s + d->i, lit[k], L)) {
                d->i += L;
                return j_new(d, J_NULL + k);
            }
        }
    }
    d->err = "invalid JSON value";
    return -1;
}
static int j_parse(jdoc *d, const char *s, size_t n) {
    int root;
    memset(d, 0, sizeof *d);
    d->s = s;
    d->n = n;
    root = j_value(d, 0);
    if (root < 0) return 0;
    j_ws(d);
    if (d->i != d->n) { d->err = "trailing characters after the JSON value"; return 0; }
    return 1;
}
/* Decoded string of a J_STR node into a fresh NUL-terminated buffer (may hold
   NULs: use *len). Lone surrogates become U+FFFD. */
static char *j_strdup(const jdoc *d, int node, size_t *len) {
    const char *s = d->s + d->v[node].off;
    size_t n = d->v[node].len, i = 0, o = 0;
    char *out = (char *)malloc(n + 1);
    if (!out) return NULL;
    while (i < n) {
        if (s[i] != '\\') { out[o++] = s[i++]; continue; }
        switch (s[i + 1]) {   /* escapes were checked by j_string */
        case 'b': out[o++] = '\b'; i += 2; break;
        case 'f': out[o++] = '\f'; i += 2; break;
        case 'n': out[o++] = '\n'; i += 2; break;
        case 'r': out[o++] = '\r'; i += 2; break;
        case 't': out[o++] = '\t'; i += 2; break;
        case 'u': {
            unsigned u, lo;
            j_hex4(s + i + 2, &u);
            i += 6;
            if (u >= 0xd800 && u <= 0xdbff && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u' && j_hex4(s + i + 2, &lo) &&
                lo >= 0xdc00 && lo <= 0xdfff) {
                u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                i += 6;
            } else if (u >= 0xd800 && u <= 0xdfff) u = 0xfffd;
            o += utf8_put(out + o, u);
            break;
        }
        default: out[o++] = s[i + 1]; i += 2; break;
        }
    }
    out[o] = 0;
    if (len) *len = o;
    return out;
}
static int j_key_is(const jdoc *d, int node, const char *key) {
    size_t L = strlen(key), n;
    int eq;
    char *k;
    if (d->v[node].len == L && !memchr(d->s + d->v[node].off, '\\', L)) return !memcmp(d->s + d->v[node].off, key, L);
    if (!memchr(d->s + d->v[node].off, '\\', d->v[node].len)) return 0;
    k = j_strdup(d, node, &n);
    eq = k && n == L && !memcmp(k, key, L);
    free(k);
    return eq;
}
/* Value of key in object obj; -1 when absent or null (null = not given). */
static int j_get(const jdoc *d, int obj, const char *key) {
    int k;
    if (obj < 0 || d->v[obj].type != J_OBJ) return -1;
    for (k = d->v[obj].child; k >= 0; k = d->v[d->v[k].next].next)
        if (j_key_is(d, k, key)) return d->v[d->v[k].next].type == J_NULL ? -1 : d->v[k].next;
    return -1;
}

/* ---- server state ------------------------------------------------------- */

enum { C_READ, C_WAIT, C_WRITE, C_DRAIN, C_DEAD };
struct job;
typedef struct conn {
    int fd, state;
    sbuf in, out;
    size_t out_off;
    double t_start, t_io;    /* start of the current request read; last I/O progress */
    int keep_alive, close_after, head_done, sent_continue;
    size_t head_len, body_len;
    char method[16], path[512];
    int peer_closed;         /* EOF seen: no more POLLIN                     */
    double t_drain;
    struct job *job;
} conn;

typedef struct job {
    long id;
    int chat, stream, include_usage;
    int max_tokens, top_k;
    float temperature, top_p;
    uint64_t seed;
    char *stop[MAX_STOP];
    size_t stop_len[MAX_STOP];
    int n_stop;
    int *tok;                /* prompt ids, then the generated ids fed back */
    size_t n_prompt, n_tok, cap_tok;
    int n_gen;
    int stop_token;          /* an extra stop id (ChatML <|im_end|>) or -1   */
    sbuf text, hold;         /* all emitted text (non-stream); text held back */
    const char *finish;
    conn *c;
    int slot;                /* -1: waiting in the queue                     */
    struct job *qnext;
    double t_arrive, t_first;
    long created;
} job;

typedef struct slot {
    job *j;
    mamba_state *st;
    float *logits;
    mamba_sampler smp;
    void *smp_mem;
    mamba_decoder dec;
    size_t pos;              /* ids fed into st                              */
    int pending;             /* sampled id to feed next (decode phase)      */
} slot;

/* prefix cache entry: the recurrent state after tok[0..n) */
typedef struct pc_entry {
    int *tok;
    size_t n;
    uint64_t hash;
    mamba_state st;
    void *mem;
    size_t bytes;
    uint64_t used;
    struct pc_entry *next;
} pc_entry;

typedef struct metrics {
    unsigned long long requests, prompt_tokens, gen_tokens, disconnects,
        rejected_full, resp[600];
} metrics;

typedef struct server {
    const char *host, *model_path, *api_key, *model_name;
    int port, n_slots, queue_max, chunk, max_conn;
    size_t max_body, max_head, out_cap, cache_bytes_max;
    double timeout;
    int template_chatml;
    mamba_model *m;
    const mamba_config *cfg;
    mamba_tokenizer *tok;
    int V, eos, im_end;
    slot *slots;
    conn **conns;
    int n_conns;
    job *q_head, *q_tail;
    int q_len;
    pc_entry *cache;
    size_t cache_bytes;
    int cache_entries;
    struct { unsigned long long lookups, hits, hit_tokens, inserts, evictions; } cst;   /* as mamba_cache_stats */
#if SERVER_BATCH
    mamba_batch *batch;
    mamba_batch_seq *bseq;   /* n_slots */
    mamba_cache *lcache;     /* NULL: --cache-mib 0 */
    mamba_state tmp;         /* snapshot-only state for mid-prompt lookups */
    void *tmp_mem;
#endif
    uint64_t cache_clock;
    long next_id;
    metrics mt;
    int listen_fd;
    int stopping;
    double stop_deadline;
} server;

static volatile sig_atomic_t g_signal = 0;
static int g_sigpipe[2] = {-1, -1};
static void on_signal(int sig) {
    int saved = errno;
    ssize_t r;
    g_signal = sig;
    r = write(g_sigpipe[1], "x", 1);
    (void)r;
    errno = saved;
}

/* ---- engine: one step over all active slots ------------------------------
   The one place that runs the model. An item is a prompt piece (n ids, logits
   only when it ends the prompt) or a decode token (n = 1, logits). Today each
   item is its own mamba_forward / mamba_step call; with a batched forward over
   many sequences (the many-sequences issue) this becomes one call. */
typedef struct eng_item { mamba_state *st; const int *ids; size_t n; float *logits; } eng_item;

#if SERVER_BATCH
static mamba_status eng_run(server *S, eng_item *it, int n) {
    int i;
    for (i = 0; i < n; i++) {
        mamba_batch_seq *q = &S->bseq[i];
        q->state = it[i].st;
        q->tokens = it[i].ids;
        q->n = it[i].n;
        q->logits = it[i].logits;
        q->mode = it[i].logits ? MAMBA_LOGITS_LAST : MAMBA_LOGITS_NONE;
        q->ring = NULL;
    }
    return mamba_forward_batch(S->m, S->batch, S->bseq, (size_t)n, NULL);
}
#else
static mamba_status eng_run(server *S, eng_item *it, int n) {
    int i;
    for (i = 0; i < n; i++) {
        mamba_status st;
        if (it[i].n == 1 && it[i].logits) st = mamba_step(S->m, it[i].st, it[i].ids[0], it[i].logits);
        else st = mamba_forward(S->m, it[i].st, it[i].ids, it[i].n, it[i].logits, it[i].logits ? MAMBA_LOGITS_LAST : MAMBA_LOGITS_NONE);
        if (st != MAMBA_OK) return st;
    }
    return MAMBA_OK;
}
#endif

/* The single place a sampler is set up (0.2: a mamba_sampler_params). */
static mamba_status sampler_setup(server *S, slot *sl, const job *j) {
    mamba_sampler_params p;
    memset(&p, 0, sizeof p);
    p.temperature = j->temperature;
    p.top_k = j->top_k;
    p.top_p = j->top_p;
    p.seed = j->seed;
    return mamba_sampler_init(&sl->smp, S->V, &p, sl->smp_mem, mamba_sampler_bytes(S->V));
}

/* ---- prefix cache --------------------------------------------------------
   Entries hold the state after a token prefix: at every multiple of --chunk
   ids inside a prompt, and at the end of each generation (prompt + output),
   least recently used evicted first, at most --cache-mib bytes in all. A new
   request resumes from the longest entry that is a proper prefix of its
   prompt (at least one id is always fed, for the logits). */
#if SERVER_BATCH
/* The library's cache (mamba_cache_lookup resets the state on a miss, so a
   mid-prompt lookup goes through a snapshot-only state first). */
static size_t pc_lookup(server *S, const int *t, size_t max_n, mamba_state *s, size_t from) {
    size_t k = 0;
    S->cst.lookups++;
    if (!from) {
        if (mamba_cache_lookup(S->lcache, t, max_n, s, &k) != MAMBA_OK) { mamba_state_reset(s); k = 0; }
    } else if (mamba_cache_lookup(S->lcache, t, max_n, &S->tmp, &k) != MAMBA_OK || k <= from || mamba_state_copy(s, &S->tmp) != MAMBA_OK)
        return from;
    if (k) {
        S->cst.hits++;
        S->cst.hit_tokens += k - from;
    }
    return k;
}
static void pc_insert(server *S, const int *t, size_t n, const mamba_state *st) {
    if (S->lcache && n) mamba_cache_insert(S->lcache, t, n, st);
}
static void pc_numbers(server *S, size_t *bytes, size_t *entries, unsigned long long *inserts, unsigned long long *evictions) {
    mamba_cache_stats cs;
    memset(&cs, 0, sizeof cs);
    if (S->lcache) mamba_cache_get_stats(S->lcache, &cs);
    *bytes = cs.bytes_used;
    *entries = cs.entries;
    *inserts = cs.inserts;
    *evictions = cs.evictions;
}
#else
static uint64_t hash_ids(const int *t, size_t n) {
    uint64_t h = 1469598103934665603ull;
    size_t i;
    for (i = 0; i < n; i++) h = (h ^ (uint64_t)(unsigned)t[i]) * 1099511628211ull;
    return h;
}
static void pc_free_entry(pc_entry *e) { free(e->tok); free(e->mem); free(e); }
static void pc_evict(server *S, size_t need) {
    while (S->cache && S->cache_bytes + need > S->cache_bytes_max) {
        pc_entry **pp, **victim = NULL, *e;
        for (pp = &S->cache; *pp; pp = &(*pp)->next)
            if (!victim || (*pp)->used < (*victim)->used) victim = pp;
        e = *victim;
        *victim = e->next;
        S->cache_bytes -= e->bytes;
        S->cache_entries--;
        S->cst.evictions++;
        pc_free_entry(e);
    }
}
/* The longest held prefix t[0..k), from < k <= max_n, restored into s;
   returns k, or `from` when there is none (s untouched; with from == 0 it is
   reset). With from == 0 this is mamba_cache_lookup's contract. */
static size_t pc_lookup(server *S, const int *t, size_t max_n, mamba_state *s, size_t from) {
    pc_entry *e, *best = NULL;
    S->cst.lookups++;
    for (e = S->cache; e; e = e->next)
        if (e->n <= max_n && e->n > from && (!best || e->n > best->n) && !memcmp(e->tok, t, e->n * sizeof(int))) best = e;
    if (!best || mamba_state_copy(s, &best->st) != MAMBA_OK) {
        if (!from) mamba_state_reset(s);
        return from;
    }
    best->used = ++S->cache_clock;
    S->cst.hits++;
    S->cst.hit_tokens += best->n - from;
    return best->n;
}
static void pc_insert(server *S, const int *t, size_t n, const mamba_state *st) {
    size_t sbytes = mamba_state_bytes(S->cfg), bytes;
    uint64_t h;
    pc_entry *e;
    if (!S->cache_bytes_max || n == 0) return;
    h = hash_ids(t, n);
    for (e = S->cache; e; e = e->next)
        if (e->n == n && e->hash == h && !memcmp(e->tok, t, n * sizeof(int))) { e->used = ++S->cache_clock; return; }
    bytes = sbytes + n * sizeof(int) + sizeof(pc_entry);
    if (bytes > S->cache_bytes_max) return;
    pc_evict(S, bytes);
    e = (pc_entry *)calloc(1, sizeof *e);
    if (!e) return;
    e->tok = (int *)malloc(n * sizeof(int));
    e->mem = aligned_alloc(64, (sbytes + 63) / 64 * 64);
    if (!e->tok || !e->mem || mamba_state_init(&e->st, S->cfg, e->mem, sbytes, NULL, 0, 0, NULL) != MAMBA_OK ||
        mamba_state_copy(&e->st, st) != MAMBA_OK) { pc_free_entry(e); return; }
    memcpy(e->tok, t, n * sizeof(int));
    e->n = n;
    e->hash = h;
    e->bytes = bytes;
    e->used = ++S->cache_clock;
    e->next = S->cache;
    S->cache = e;
    S->cache_bytes += bytes;
    S->cache_entries++;
    S->cst.inserts++;
}
static void pc_numbers(server *S, size_t *bytes, size_t *entries, unsigned long long *inserts, unsigned long long *evictions) {
    *bytes = S->cache_bytes;
    *entries = (size_t)S->cache_entries;
    *inserts = S->cst.inserts;
    *evictions = S->cst.evictions;
}
#endif

/* ---- connections: output ------------------------------------------------ */

static void conn_kill(server *S, conn *c);

static void conn_flush(conn *c) {
    while (c->out_off < c->out.n) {
        ssize_t w = write(c->fd, c->out.p + c->out_off, c->out.n - c->out_off);
        if (w > 0) { c->out_off += (size_t)w; c->t_io = now_s(); continue; }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        c->state = C_DEAD;   /* EPIPE, ECONNRESET: the client is gone */
        return;
    }
    if (c->out_off == c->out.n) { c->out.n = 0; c->out_off = 0; }
    else if (c->out_off > 65536 && c->out_off * 2 > c->out.n) {   /* keep the buffer compact */
        memmove(c->out.p, c->out.p + c->out_off, c->out.n - c->out_off);
        c->out.n -= c->out_off;
        c->out_off = 0;
    }
}
/* Queue bytes for the client; a reader that lets more than --out-cap pile up
   is disconnected (it would otherwise hold memory for ever). */
static int conn_send(server *S, conn *c, const char *p, size_t n) {
    if (c->state == C_DEAD) return 0;
    /* only a stream can pile up: a whole response is bounded by max_tokens */
    if (c->job && c->job->stream && c->out.n - c->out_off + n > S->out_cap) {
        fprintf(stderr, "mamba-server: fd %d: client is not reading (over %zu bytes queued), disconnecting\n", c->fd, S->out_cap);
        c->state = C_DEAD;
        return 0;
    }
    if (c->out.n == c->out_off) c->t_io = now_s();   /* the stall clock starts now */
    if (!sb_put(&c->out, p, n)) { c->state = C_DEAD; return 0; }
    conn_flush(c);
    return c->state != C_DEAD;
}

static const char *status_text(int code) {
    switch (code) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

/* A complete response with a body. close: the connection ends after it. */
static void respond(server *S, conn *c, int code, const char *ctype, const char *body, size_t blen, const char *extra) {
    sbuf h = {0};
    if (code >= 100 && code < 600) S->mt.resp[code]++;
    if (!c->keep_alive || S->stopping) c->close_after = 1;
    sb_printf(&h, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n", code, status_text(code), ctype, blen);
    if (c->close_after) sb_str(&h, "Connection: close\r\n");
    else sb_printf(&h, "Connection: keep-alive\r\nKeep-Alive: timeout=%d\r\n", (int)S->timeout);
    sb_printf(&h, "%s\r\n", extra ? extra : "");
    sb_put(&h, body, blen);
    if (h.p) conn_send(S, c, h.p, h.n);
    sb_free(&h);
    if (c->state != C_DEAD) c->state = C_WRITE;
}
/* OpenAI-style error object. */
static void respond_error(server *S, conn *c, int code, const char *type, const char *param, const char *msg) {
    sbuf b = {0};
    const char *extra = code == 503 ? "Retry-After: 1\r\n" : code == 401 ? "WWW-Authenticate: Bearer\r\n" : NULL;
    sb_str(&b, "{\"error\":{\"message\":");
    sb_json(&b, msg, strlen(msg));
    sb_str(&b, ",\"type\":");
    sb_json(&b, type, strlen(type));
    sb_str(&b, ",\"param\":");
    if (param) sb_json(&b, param, strlen(param)); else sb_str(&b, "null");
    sb_str(&b, ",\"code\":null}}\n");
    respond(S, c, code, "application/json", b.p ? b.p : "", b.n, extra);
    sb_free(&b);
}

/* ---- jobs --------------------------------------------------------------- */

static void job_free(job *j) {
    int k;
    if (!j) return;
    for (k = 0; k < j->n_stop; k++) free(j->stop[k]);
    free(j->tok);
    sb_free(&j->text);
    sb_free(&j->hold);
    free(j);
}
static void queue_remove(server *S, job *j) {
    job **pp;
    for (pp = &S->q_head; *pp; pp = &(*pp)->qnext)
        if (*pp == j) {
            *pp = j->qnext;
            S->q_len--;
            break;
        }
    S->q_tail = NULL;
    for (j = S->q_head; j; j = j->qnext) S->q_tail = j;
}
/* Drop a job without answering (its client is gone, or is answered already). */
static void job_drop(server *S, job *j) {
    if (j->slot >= 0) S->slots[j->slot].j = NULL;
    else queue_remove(S, j);
    if (j->c) j->c->job = NULL;
    job_free(j);
}

static const char *obj_name(const job *j) { return j->chat ? (j->stream ? "chat.completion.chunk" : "chat.completion") : "text_completion"; }

/* The fields every response object starts with: {"id":..,"model":.. */
static void resp_head(server *S, const job *j, sbuf *b, const char *prefix) {
    sb_printf(b, "%s{\"id\":\"%s-%ld\",\"object\":\"%s\",\"created\":%ld,\"model\":", prefix, j->chat ? "chatcmpl" : "cmpl", j->id,
              obj_name(j), j->created);
    sb_json(b, S->model_name, strlen(S->model_name));
}
static void resp_usage(const job *j, sbuf *b) {
    sb_printf(b, "\"usage\":{\"prompt_tokens\":%zu,\"completion_tokens\":%d,\"total_tokens\":%zu}}", j->n_prompt, j->n_gen,
              j->n_prompt + (size_t)j->n_gen);
}

/* One SSE event carrying text (or only a finish reason). */
static void stream_event(server *S, job *j, const char *text, size_t n, const char *finish) {
    sbuf b = {0};
    resp_head(S, j, &b, "data: ");
    if (j->chat) {
        sb_str(&b, ",\"choices\":[{\"index\":0,\"delta\":");
        if (finish) sb_str(&b, "{}");
        else { sb_str(&b, "{\"content\":"); sb_json(&b, text, n); sb_str(&b, "}"); }
        sb_str(&b, ",\"logprobs\":null,\"finish_reason\":");
    } else {
        sb_str(&b, ",\"choices\":[{\"text\":");
        sb_json(&b, text, n);
        sb_str(&b, ",\"index\":0,\"logprobs\":null,\"finish_reason\":");
    }
    if (finish) sb_json(&b, finish, strlen(finish)); else sb_str(&b, "null");
    sb_str(&b, "}]}\n\n");
    if (b.p) conn_send(S, j->c, b.p, b.n);
    sb_free(&b);
}

/* Text that is certain to be output (no stop string can start inside it). */
static void job_emit(server *S, job *j, const char *p, size_t n) {
    if (!n) return;
    if (j->t_first == 0) j->t_first = now_s();
    if (j->stream) stream_event(S, j, p, n, NULL);
    else sb_put(&j->text, p, n);
}

/* Finish: answer the client, remember the state, free the slot. */
static void job_finish(server *S, job *j, const char *finish) {
    conn *c = j->c;
    slot *sl = j->slot >= 0 ? &S->slots[j->slot] : NULL;
    j->finish = finish;
    S->mt.requests++;
    if (sl && sl->pos > j->n_prompt) pc_insert(S, j->tok, sl->pos, sl->st);
    if (c && c->state != C_DEAD) {
        if (j->stream) {
            stream_event(S, j, "", 0, finish);
            if (j->include_usage) {
                sbuf b = {0};
                resp_head(S, j, &b, "data: ");
                sb_str(&b, ",\"choices\":[],");
                resp_usage(j, &b);
                sb_str(&b, "\n\n");
                if (b.p) conn_send(S, c, b.p, b.n);
                sb_free(&b);
            }
            conn_send(S, c, "data: [DONE]\n\n", 14);
            if (c->state != C_DEAD) c->state = C_WRITE;
        } else {
            sbuf b = {0};
            resp_head(S, j, &b, "");
            if (j->chat) {
                sb_str(&b, ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":");
                sb_json(&b, j->text.p ? j->text.p : "", j->text.n);
                sb_str(&b, "},\"logprobs\":null,\"finish_reason\":");
            } else {
                sb_str(&b, ",\"choices\":[{\"text\":");
                sb_json(&b, j->text.p ? j->text.p : "", j->text.n);
                sb_str(&b, ",\"index\":0,\"logprobs\":null,\"finish_reason\":");
            }
            sb_json(&b, finish, strlen(finish));
            sb_str(&b, "}],");
            resp_usage(j, &b);
            sb_str(&b, "\n");
            respond(S, c, 200, "application/json", b.p ? b.p : "", b.n, NULL);
            sb_free(&b);
        }
    }
    job_drop(S, j);
}

/* Decoded text of the newest token: hold back whatever could still be the
   start of a stop string, emit the rest; 1 when a stop string was hit. */
static int job_text(server *S, job *j, const char *p, size_t n) {
    size_t h, i;
    int k;
    sb_put(&j->hold, p, n);
    if (!j->hold.p) return 0;
    for (i = 0; i < j->hold.n; i++)   /* earliest full occurrence of any stop string */
        for (k = 0; k < j->n_stop; k++)
            if (j->hold.n - i >= j->stop_len[k] && !memcmp(j->hold.p + i, j->stop[k], j->stop_len[k])) {
                job_emit(S, j, j->hold.p, i);
                j->hold.n = 0;
                return 1;
            }
    for (h = 0; h < j->hold.n; h++) {   /* earliest suffix that is a prefix of one */
        for (k = 0; k < j->n_stop; k++)
            if (j->hold.n - h < j->stop_len[k] && !memcmp(j->hold.p + h, j->stop[k], j->hold.n - h)) break;
        if (k < j->n_stop) break;
    }
    job_emit(S, j, j->hold.p, h);
    memmove(j->hold.p, j->hold.p + h, j->hold.n - h);
    j->hold.n -= h;
    return 0;
}

static int job_push_tok(job *j, int t) {
    if (j->n_tok == j->cap_tok) {
        size_t cap = j->cap_tok ? j->cap_tok * 2 : 64;
        int *nt = (int *)realloc(j->tok, cap * sizeof(int));
        if (!nt) return 0;
        j->tok = nt;
        j->cap_tok = cap;
    }
    j->tok[j->n_tok++] = t;
    return 1;
}

static void slot_start(server *S, int si, job *j) {
    slot *sl = &S->slots[si];
    sl->j = j;
    j->slot = si;
    if (S->cache_bytes_max) sl->pos = pc_lookup(S, j->tok, j->n_prompt - 1, sl->st, 0);
    else { mamba_state_reset(sl->st); sl->pos = 0; }
    sampler_setup(S, sl, j);
    mamba_decoder_init(&sl->dec, 0);
}

static void schedule(server *S) {
    int i;
    for (i = 0; i < S->n_slots && S->q_head; i++)
        if (!S->slots[i].j) {
            job *j = S->q_head;
            S->q_head = j->qnext;
            if (!S->q_head) S->q_tail = NULL;
            S->q_len--;
            slot_start(S, i, j);
        }
}

/* Sampled id t for the job in slot sl: stop, or text out and continue. */
static void slot_token(server *S, slot *sl, int t) {
    job *j = sl->j;
    char buf[1024], *out = buf;
    size_t n_out = 0;
    mamba_status st;
    j->n_gen++;
    S->mt.gen_tokens++;
    if (t == S->eos || t == j->stop_token) { job_finish(S, j, "stop"); return; }
    st = mamba_decoder_token(&sl->dec, S->tok, t, buf, sizeof buf, &n_out);
    if (st == MAMBA_ERR_RANGE) {
        out = (char *)malloc(n_out);
        st = out ? mamba_decoder_token(&sl->dec, S->tok, t, out, n_out, &n_out) : MAMBA_ERR_NOMEM;
    }
    if (st == MAMBA_OK && job_text(S, j, out, n_out)) { if (out != buf) free(out); job_finish(S, j, "stop"); return; }
    if (out != buf) free(out);
    if (j->n_gen >= j->max_tokens) {   /* the end: what was held back is output after all */
        if (mamba_decoder_flush(&sl->dec, buf, sizeof buf, &n_out) == MAMBA_OK && n_out && job_text(S, j, buf, n_out)) {
            job_finish(S, j, "stop");
            return;
        }
        job_emit(S, j, j->hold.p, j->hold.n);
        j->hold.n = 0;
        job_finish(S, j, "length");
        return;
    }
    if (j->c && j->c->state == C_DEAD) return;   /* dropped after the step */
    sl->pending = t;
}

/* One engine step: every active slot advances by one item. Prompt pieces end
   at multiples of --chunk (cache points), and all prompt pieces of one step
   together take at most --chunk ids, so a decode step is never more than one
   chunk away. */
static void engine_step(server *S) {
    eng_item *items = (eng_item *)malloc(sizeof(eng_item) * (size_t)S->n_slots);
    int *who = (int *)malloc(sizeof(int) * (size_t)S->n_slots), n = 0, i;
    size_t budget = (size_t)S->chunk;
    static int rr = 0;   /* which prefilling slot goes first: rotates */
    mamba_status st;
    if (!items || !who) { free(items); free(who); return; }
    for (i = 0; i < S->n_slots; i++) {
        int si = (i + rr) % S->n_slots;
        slot *sl = &S->slots[si];
        job *j = sl->j;
        if (!j) continue;
        if (sl->pos < j->n_prompt) {
            size_t take, edge;
            if (!budget) continue;
            /* another slot may have just stored a longer prefix of this prompt
               (requests sharing a system prompt arrive together): jump to it */
            if (S->cache_bytes_max) sl->pos = pc_lookup(S, j->tok, j->n_prompt - 1, sl->st, sl->pos);
            take = j->n_prompt - sl->pos;
            edge = (sl->pos / (size_t)S->chunk + 1) * (size_t)S->chunk - sl->pos;
            if (take > edge) take = edge;
            if (take > budget) take = budget;
            budget -= take;
            items[n].st = sl->st;
            items[n].ids = j->tok + sl->pos;
            items[n].n = take;
            items[n].logits = sl->pos + take == j->n_prompt ? sl->logits : NULL;
        } else {
            if (!job_push_tok(j, sl->pending)) { job_finish(S, j, "length"); continue; }
            items[n].st = sl->st;
            items[n].ids = &j->tok[j->n_tok - 1];
            items[n].n = 1;
            items[n].logits = sl->logits;
        }
        who[n++] = si;
    }
    rr = (rr + 1) % S->n_slots;
    st = n ? eng_run(S, items, n) : MAMBA_OK;
    for (i = 0; i < n; i++) {
        slot *sl = &S->slots[who[i]];
        job *j = sl->j;
        int prefill;
        if (!j) continue;
        if (st != MAMBA_OK) { fprintf(stderr, "mamba-server: forward failed: %s\n", mamba_status_string(st)); job_finish(S, j, "error"); continue; }
        prefill = sl->pos < j->n_prompt;
        sl->pos += items[i].n;
        if (prefill) S->mt.prompt_tokens += items[i].n;
        if (prefill && sl->pos < j->n_prompt) {
            if (sl->pos % (size_t)S->chunk == 0) pc_insert(S, j->tok, sl->pos, sl->st);
            continue;
        }
        if (prefill && j->max_tokens == 0) { job_finish(S, j, "length"); continue; }
        slot_token(S, sl, mamba_sample(&sl->smp, sl->logits));
    }
    free(items);
    free(who);
}

/* ---- requests: parameters ----------------------------------------------- */

typedef struct perr { const char *param; char msg[200]; } perr;

static int bad(perr *e, const char *param, const char *msg) {
    e->param = param;
    snprintf(e->msg, sizeof e->msg, "%s", msg);
    return 0;
}

static int get_num(const jdoc *d, int obj, const char *key, double lo, double hi, int integer, double *out, perr *e) {
    static char msg[160];
    int v = j_get(d, obj, key);
    if (v < 0) return 1;   /* absent: keep the default */
    if (d->v[v].type != J_NUM) { snprintf(msg, sizeof msg, "'%s' must be a number", key); return bad(e, key, msg); }
    if (!(d->v[v].num >= lo && d->v[v].num <= hi) || (integer && d->v[v].num != (double)(long long)d->v[v].num)) {
        snprintf(msg, sizeof msg, integer ? "'%s' must be an integer from %.0f to %.0f" : "'%s' must be a number from %g to %g", key, lo, hi);
        return bad(e, key, msg);
    }
    *out = d->v[v].num;
    return 1;
}

static int tokenize(server *S, job *j, const char *text, size_t len) {
    size_t need = 0;
    mamba_status st = mamba_tokenizer_encode(S->tok, text, len, NULL, 0, &need);
    if (st != MAMBA_OK && st != MAMBA_ERR_RANGE) return 0;
    j->tok = (int *)malloc(sizeof(int) * (need + 64));
    if (!j->tok) return 0;
    j->cap_tok = need + 64;
    if (mamba_tokenizer_encode(S->tok, text, len, j->tok, need, &need) != MAMBA_OK) return 0;
    j->n_tok = need;
    return 1;
}

/* Messages rendered with the chosen template. */
static int render_chat(server *S, const jdoc *d, int msgs, sbuf *out, perr *e) {
    static char pname[64], msg[160];
    int m, idx = 0;
    if (msgs < 0 || d->v[msgs].type != J_ARR || d->v[msgs].count == 0)
        return bad(e, "messages", "'messages' must be a non-empty array of {role, content} objects");
    for (m = d->v[msgs].child; m >= 0; m = d->v[m].next, idx++) {
        int role = j_get(d, m, "role"), content = j_get(d, m, "content");
        char *r = NULL, *ctext = NULL;
        size_t rl = 0, cl = 0;
        sbuf parts = {0};
        if (d->v[m].type != J_OBJ) { snprintf(pname, sizeof pname, "messages[%d]", idx); return bad(e, pname, "each message must be an object"); }
        if (role < 0 || d->v[role].type != J_STR) {
            snprintf(pname, sizeof pname, "messages[%d].role", idx);
            return bad(e, pname, "each message needs a string 'role'");
        }
        r = j_strdup(d, role, &rl);
        if (!r) return bad(e, NULL, "out of memory");
        if (strcmp(r, "system") && strcmp(r, "user") && strcmp(r, "assistant") && strcmp(r, "developer") && strcmp(r, "tool")) {
            snprintf(pname, sizeof pname, "messages[%d].role", idx);
            snprintf(msg, sizeof msg, "unknown role '%.40s' (system, developer, user, assistant, tool)", r);
            free(r);
            return bad(e, pname, msg);
        }
        if (content < 0) ctext = NULL;
        else if (d->v[content].type == J_STR) ctext = j_strdup(d, content, &cl);
        else if (d->v[content].type == J_ARR) {   /* content parts: only text */
            int p;
            for (p = d->v[content].child; p >= 0; p = d->v[p].next) {
                int ty = j_get(d, p, "type"), tx = j_get(d, p, "text");
                char *s;
                size_t sl;
                if (ty < 0 || d->v[ty].type != J_STR || !j_key_is(d, ty, "text") || tx < 0 || d->v[tx].type != J_STR) {
                    sb_free(&parts);
                    free(r);
                    snprintf(pname, sizeof pname, "messages[%d].content", idx);
                    return bad(e, pname, "only content parts of type 'text' are supported");
                }
                s = j_strdup(d, tx, &sl);
                if (s) sb_put(&parts, s, sl);
                free(s);
            }
            ctext = parts.p;
            cl = parts.n;
            parts.p = NULL;
        } else {
            free(r);
            snprintf(pname, sizeof pname, "messages[%d].content", idx);
            return bad(e, pname, "'content' must be a string or an array of text parts");
        }
        if (!strcmp(r, "developer")) { free(r); r = strdup("system"); rl = 6; }
        if (!r) { free(ctext); return bad(e, NULL, "out of memory"); }
        if (S->template_chatml) {
            sb_str(out, "<|im_start|>");
            sb_put(out, r, rl);
            sb_str(out, "\n");
            sb_put(out, ctext ? ctext : "", cl);
            sb_str(out, "<|im_end|>\n");
        } else if (!strcmp(r, "system")) {
            sb_put(out, ctext ? ctext : "", cl);
            sb_str(out, "\n\n");
        } else {
            sb_str(out, !strcmp(r, "user") ? "User: " : !strcmp(r, "assistant") ? "Assistant: " : "Tool: ");
            sb_put(out, ctext ? ctext : "", cl);
            sb_str(out, "\n");
        }
        free(r);
        free(ctext);
    }
    sb_str(out, S->template_chatml ? "<|im_start|>assistant\n" : "Assistant:");
    return out->p != NULL;
}

/* The request body into a job, or 0 with e naming the field at fault. */
static int parse_request(server *S, job *j, const char *body, size_t n, perr *e) {
    jdoc d;
    int root, v, ok = 0;
    double x;
    static char msg[200];
    if (!j_parse(&d, body, n)) {
        snprintf(msg, sizeof msg, "the body is not valid JSON: %s (at byte %zu)", d.err ? d.err : "error", d.i);
        bad(e, NULL, msg);
        goto out;
    }
    root = 0;
    if (d.v[root].type != J_OBJ) { bad(e, NULL, "the body must be a JSON object"); goto out; }
    /* defaults: OpenAI's */
    j->max_tokens = j->chat ? 256 : 16;
    j->temperature = 1.0f;
    j->top_p = 1.0f;
    j->top_k = 0;
    j->seed = (uint64_t)time(NULL) ^ (uint64_t)j->id * 0x9e3779b97f4a7c15ull;
    j->stop_token = -1;
    if ((v = j_get(&d, root, "model")) >= 0 && d.v[v].type != J_STR) { bad(e, "model", "'model' must be a string"); goto out; }
    if ((v = j_get(&d, root, "stream")) >= 0) {
        if (d.v[v].type != J_TRUE && d.v[v].type != J_FALSE) { bad(e, "stream", "'stream' must be a boolean"); goto out; }
        j->stream = d.v[v].type == J_TRUE;
    }
    if ((v = j_get(&d, root, "stream_options")) >= 0) {
        int iu = j_get(&d, v, "include_usage");
        if (d.v[v].type != J_OBJ) { bad(e, "stream_options", "'stream_options' must be an object"); goto out; }
        if (iu >= 0 && d.v[iu].type != J_TRUE && d.v[iu].type != J_FALSE) { bad(e, "stream_options.include_usage", "'include_usage' must be a boolean"); goto out; }
        j->include_usage = iu >= 0 && d.v[iu].type == J_TRUE;
    }
    x = j->max_tokens;
    if (!get_num(&d, root, "max_tokens", 0, MAX_GEN, 1, &x, e)) goto out;
    if (j->chat && !get_num(&d, root, "max_completion_tokens", 0, MAX_GEN, 1, &x, e)) goto out;
    j->max_tokens = (int)x;
    x = j->temperature;
    if (!get_num(&d, root, "temperature", 0, 2, 0, &x, e)) goto out;
    j->temperature = (float)x;
    x = j->top_p;
    if (!get_num(&d, root, "top_p", 0, 1, 0, &x, e)) goto out;
    j->top_p = (float)x;
    x = 0;
    if (!get_num(&d, root, "top_k", 0, 1e9, 1, &x, e)) goto out;
    j->top_k = (int)x;
    x = -1;
    if (!get_num(&d, root, "seed", -9.2e18, 9.2e18, 1, &x, e)) goto out;
    if (x != -1) j->seed = (uint64_t)(long long)x;
    x = 1;
    if (!get_num(&d, root, "n", 1, 1, 1, &x, e)) goto out;
    if ((v = j_get(&d, root, "echo")) >= 0 && d.v[v].type != J_FALSE) { bad(e, "echo", "'echo' is not supported"); goto out; }
    if ((v = j_get(&d, root, "logprobs")) >= 0 && d.v[v].type != J_FALSE) { bad(e, "logprobs", "'logprobs' is not supported"); goto out; }
    if ((v = j_get(&d, root, "stop")) >= 0) {
        int s, one = d.v[v].type == J_STR;
        if (!one && d.v[v].type != J_ARR) { bad(e, "stop", "'stop' must be a string or an array of strings"); goto out; }
        if (!one && d.v[v].count > MAX_STOP - 1) { bad(e, "stop", "'stop' holds at most 7 strings"); goto out; }
        for (s = one ? v : d.v[v].child; s >= 0; s = one ? -1 : d.v[s].next) {
            size_t L;
            char *str;
            if (d.v[s].type != J_STR) { bad(e, "stop", "'stop' must be a string or an array of strings"); goto out; }
            str = j_strdup(&d, s, &L);
            if (!str) { bad(e, NULL, "out of memory"); goto out; }
            if (L == 0 || L > MAX_STOP_BYTES) { free(str); bad(e, "stop", "each stop string must have 1 to 256 bytes"); goto out; }
            j->stop[j->n_stop] = str;
            j->stop_len[j->n_stop++] = L;
        }
    }
    if (j->chat) {
        sbuf text = {0};
        if (j_get(&d, root, "prompt") >= 0) { bad(e, "prompt", "chat completions take 'messages', not 'prompt'"); goto out; }
        if (!render_chat(S, &d, j_get(&d, root, "messages"), &text, e)) { sb_free(&text); goto out; }
        if (!tokenize(S, j, text.p, text.n)) { sb_free(&text); bad(e, NULL, "cannot tokenize the messages"); goto out; }
        sb_free(&text);
        j->stop_token = S->template_chatml ? S->im_end : -1;
        {   /* the template's own end marker is a stop string too */
            const char *ts = S->template_chatml ? "<|im_end|>" : "\nUser:";
            if (j->n_stop < MAX_STOP && (j->stop[j->n_stop] = strdup(ts)) != NULL) j->stop_len[j->n_stop] = strlen(ts), j->n_stop++;
        }
    } else {
        int p = j_get(&d, root, "prompt");
        if (j_get(&d, root, "messages") >= 0) { bad(e, "messages", "completions take 'prompt', not 'messages'"); goto out; }
        if (p >= 0 && d.v[p].type == J_ARR && d.v[p].count == 1 && (d.v[d.v[p].child].type == J_STR || d.v[d.v[p].child].type == J_ARR))
            p = d.v[p].child;   /* a batch of one prompt */
        if (p < 0) p = -1;
        if (p >= 0 && d.v[p].type == J_STR) {
            size_t L;
            char *s = j_strdup(&d, p, &L);
            if (!s || !tokenize(S, j, s, L)) { free(s); bad(e, "prompt", "cannot tokenize the prompt"); goto out; }
            free(s);
        } else if (p >= 0 && d.v[p].type == J_ARR) {
            int t;
            j->cap_tok = (size_t)d.v[p].count + 64;
            j->tok = (int *)malloc(sizeof(int) * j->cap_tok);
            if (!j->tok) { bad(e, NULL, "out of memory"); goto out; }
            for (t = d.v[p].child; t >= 0; t = d.v[t].next) {
                if (d.v[t].type != J_NUM || d.v[t].num != (double)(long long)d.v[t].num || d.v[t].num < 0 || d.v[t].num >= S->cfg->vocab_size) {
                    snprintf(msg, sizeof msg, "'prompt' must be a string or an array of token ids from 0 to %d", S->cfg->vocab_size - 1);
                    bad(e, "prompt", msg);
                    goto out;
                }
                j->tok[j->n_tok++] = (int)d.v[t].num;
            }
        } else if (p >= 0) { bad(e, "prompt", "'prompt' must be a string or an array of token ids"); goto out; }
    }
    if (!j->tok) {
        j->tok = (int *)malloc(sizeof(int) * 64);
        if (!j->tok) { bad(e, NULL, "out of memory"); goto out; }
        j->cap_tok = 64;
    }
    for (v = 0; v < (int)j->n_tok; v++)
        if (j->tok[v] >= S->cfg->vocab_size) { bad(e, "prompt", "the tokenizer gives an id beyond the model's vocabulary"); goto out; }
    if (j->n_tok == 0) {   /* an empty prompt starts from bos, as mamba-generate does */
        int bos = mamba_tokenizer_bos_id(S->tok);
        j->tok[j->n_tok++] = bos >= 0 && bos < S->cfg->vocab_size ? bos : 0;
    }
    j->n_prompt = j->n_tok;
    ok = 1;
out:
    free(d.v);
    return ok;
}

/* ---- requests: routing -------------------------------------------------- */

static void metrics_text(server *S, sbuf *b) {
    int active = 0, i;
    long pages = 0, rss = 0;
    size_t cbytes, centries;
    unsigned long long cins, cev;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) { if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0; fclose(f); }
    for (i = 0; i < S->n_slots; i++) active += S->slots[i].j != NULL;
    pc_numbers(S, &cbytes, &centries, &cins, &cev);
#define M(name, type, help, fmt, val) sb_printf(b, "# HELP " name " " help "\n# TYPE " name " " type "\n" name " " fmt "\n", val)
    M("mamba_requests_total", "counter", "Generation requests finished.", "%llu", S->mt.requests);
    M("mamba_prompt_tokens_total", "counter", "Prompt tokens run through the model.", "%llu", S->mt.prompt_tokens);
    M("mamba_generated_tokens_total", "counter", "Tokens generated.", "%llu", S->mt.gen_tokens);
    M("mamba_slots_active", "gauge", "Slots running a request.", "%d", active);
    M("mamba_slots_total", "gauge", "Slots (-np).", "%d", S->n_slots);
    M("mamba_queue_length", "gauge", "Requests waiting for a slot.", "%d", S->q_len);
    M("mamba_rejected_total", "counter", "Requests refused with 503 because the queue was full.", "%llu", S->mt.rejected_full);
    M("mamba_disconnects_total", "counter", "Requests cancelled because the client went away.", "%llu", S->mt.disconnects);
    M("mamba_connections_open", "gauge", "Open client connections.", "%d", S->n_conns);
    M("mamba_prefix_cache_lookups_total", "counter", "Prefix-cache lookups (at a request start and before each prompt piece).", "%llu", S->cst.lookups);
    M("mamba_prefix_cache_hits_total", "counter", "Lookups that restored a cached prefix state (at a request start, or mid-prompt when another request just stored a longer prefix).", "%llu", S->cst.hits);
    M("mamba_prefix_cache_hit_tokens_total", "counter", "Prompt tokens skipped thanks to the prefix cache.", "%llu", S->cst.hit_tokens);
    M("mamba_prefix_cache_inserts_total", "counter", "States stored in the prefix cache.", "%llu", cins);
    M("mamba_prefix_cache_evictions_total", "counter", "States dropped from the prefix cache to make room.", "%llu", cev);
    M("mamba_prefix_cache_bytes", "gauge", "Bytes held by the prefix cache.", "%zu", cbytes);
    M("mamba_prefix_cache_entries", "gauge", "States held by the prefix cache.", "%zu", centries);
    M("process_resident_memory_bytes", "gauge", "Resident set size.", "%ld", rss * sysconf(_SC_PAGESIZE));
#undef M
    sb_str(b, "# HELP mamba_http_responses_total HTTP responses by status code.\n# TYPE mamba_http_responses_total counter\n");
    for (i = 100; i < 600; i++)
        if (S->mt.resp[i]) sb_printf(b, "mamba_http_responses_total{code=\"%d\"} %llu\n", i, S->mt.resp[i]);
}

static int header_value(const char *head, size_t n, const char *name, char *out, size_t cap) {
    size_t L = strlen(name), i = 0;
    while (i < n) {   /* head: lines after the request line, each ending in \r\n */
        const char *line = head + i, *eol = (const char *)memchr(line, '\n', n - i);
        size_t ll = eol ? (size_t)(eol - line) : n - i;
        if (ll && line[ll - 1] == '\r') ll--;
        if (ll > L && line[L] == ':' && ci_eq(line, name, L)) {
            size_t a = L + 1, b = ll;
            while (a < b && (line[a] == ' ' || line[a] == '\t')) a++;
            while (b > a && (line[b - 1] == ' ' || line[b - 1] == '\t')) b--;
            if (b - a >= cap) b = a + cap - 1;
            memcpy(out, line + a, b - a);
            out[b - a] = 0;
            return 1;
        }
        i += (eol ? (size_t)(eol - line) + 1 : n - i);
    }
    return 0;
}

static void conn_reset_request(conn *c) {
    c->head_done = 0;
    c->sent_continue = 0;
    c->head_len = c->body_len = 0;
    c->t_start = now_s();
}

static void conn_kill(server *S, conn *c) {
    if (c->job) {
        S->mt.disconnects++;
        job_drop(S, c->job);
    }
    c->state = C_DEAD;
}

/* Headers of a streamed (SSE) response; the connection closes at its end. */
static void start_stream(server *S, conn *c, job *j) {
    static const char h[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                            "Connection: close\r\n\r\n";
    S->mt.resp[200]++;
    c->close_after = 1;
    conn_send(S, c, h, sizeof h - 1);
    if (j->chat) {   /* OpenAI's first chunk: the role */
        sbuf b = {0};
        resp_head(S, j, &b, "data: ");
        sb_str(&b, ",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        if (b.p) conn_send(S, c, b.p, b.n);
        sb_free(&b);
    }
}

static void handle_generate(server *S, conn *c, int chat, const char *body, size_t n) {
    job *j = (job *)calloc(1, sizeof *j);
    perr e;
    int i;
    memset(&e, 0, sizeof e);
    if (!j) { respond_error(S, c, 500, "server_error", NULL, "out of memory"); return; }
    j->id = ++S->next_id;
    j->chat = chat;
    j->created = (long)time(NULL);
    j->slot = -1;
    j->t_arrive = now_s();
    if (!parse_request(S, j, body, n, &e)) {
        respond_error(S, c, 400, "invalid_request_error", e.param, e.msg[0] ? e.msg : "invalid request");
        job_free(j);
        return;
    }
    if (S->stopping) { job_free(j); respond_error(S, c, 503, "server_error", NULL, "the server is shutting down"); return; }
    for (i = 0; i < S->n_slots; i++) if (!S->slots[i].j) break;
    if (i == S->n_slots || S->q_head) {
        if (S->q_len >= S->queue_max) {
            S->mt.rejected_full++;
            job_free(j);
            respond_error(S, c, 503, "server_error", NULL, "all slots are busy and the queue is full; retry later");
            return;
        }
        if (S->q_tail) S->q_tail->qnext = j; else S->q_head = j;
        S->q_tail = j;
        S->q_len++;
    } else slot_start(S, i, j);
    j->c = c;
    c->job = j;
    c->state = C_WAIT;
    if (j->stream) start_stream(S, c, j);
}

static void dispatch(server *S, conn *c, const char *method, const char *path, const char *body, size_t n) {
    int get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
    sbuf b = {0};
    if (!strcmp(path, "/health")) {
        if (!get) { respond_error(S, c, 405, "invalid_request_error", NULL, "use GET"); return; }
        if (S->stopping) respond(S, c, 503, "application/json", "{\"status\":\"shutting down\"}\n", 27, "Retry-After: 1\r\n");
        else respond(S, c, 200, "application/json", "{\"status\":\"ok\"}\n", 16, NULL);
        return;
    }
    if (!strcmp(path, "/metrics")) {
        if (!get) { respond_error(S, c, 405, "invalid_request_error", NULL, "use GET"); return; }
        metrics_text(S, &b);
        respond(S, c, 200, "text/plain; version=0.0.4", b.p ? b.p : "", b.n, NULL);
        sb_free(&b);
        return;
    }
    if (!strcmp(path, "/v1/models")) {
        if (!get) { respond_error(S, c, 405, "invalid_request_error", NULL, "use GET"); return; }
        sb_str(&b, "{\"object\":\"list\",\"data\":[{\"id\":");
        sb_json(&b, S->model_name, strlen(S->model_name));
        sb_str(&b, ",\"object\":\"model\",\"created\":0,\"owned_by\":\"mamba.h\"}]}\n");
        respond(S, c, 200, "application/json", b.p ? b.p : "", b.n, NULL);
        sb_free(&b);
        return;
    }
    if (!strcmp(path, "/v1/completions") || !strcmp(path, "/v1/chat/completions")) {
        if (!post) { respond_error(S, c, 405, "invalid_request_error", NULL, "use POST"); return; }
        handle_generate(S, c, path[4] == 'c' && path[5] == 'h', body, n);
        return;
    }
    respond_error(S, c, 404, "invalid_request_error", NULL, "no such endpoint");
}

/* A response fully sent: read the next request, or close (after draining
   what the client still sends, so it sees the response and not a reset). */
static void conn_after_write(conn *c) {
    if (c->state != C_WRITE || c->out.n != 0) return;
    if (c->close_after) {
        c->state = c->peer_closed ? C_DEAD : C_DRAIN;
        shutdown(c->fd, SHUT_WR);
        c->t_drain = now_s();
    } else {
        c->state = C_READ;
        conn_reset_request(c);
    }
}

/* Parse what has arrived; answer or start a job when a request is complete. */
static void conn_process(server *S, conn *c) {
    while (c->state == C_READ) {
        char method[16], path[512], val[256], *hdr;
        const char *p, *line_end, *sp1, *sp2;
        size_t i, hn;
        int http10;
        if (!c->head_done) {
            char *end = NULL;
            for (i = 0; i + 3 < c->in.n; i++)
                if (c->in.p[i] == '\r' && c->in.p[i + 1] == '\n' && c->in.p[i + 2] == '\r' && c->in.p[i + 3] == '\n') { end = c->in.p + i; break; }
            if (!end) {
                if (c->in.n > S->max_head) { c->close_after = 1; respond_error(S, c, 431, "invalid_request_error", NULL, "request headers too large"); }
                return;
            }
            c->head_len = (size_t)(end - c->in.p) + 4;
            if (c->head_len > S->max_head) { c->close_after = 1; respond_error(S, c, 431, "invalid_request_error", NULL, "request headers too large"); return; }
            /* request line: METHOD SP TARGET SP HTTP/1.x */
            p = c->in.p;
            line_end = (const char *)memchr(p, '\r', c->head_len);
            sp1 = (const char *)memchr(p, ' ', (size_t)(line_end - p));
            sp2 = sp1 ? (const char *)memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1)) : NULL;
            if (!sp1 || !sp2 || sp1 == p || (size_t)(sp1 - p) >= sizeof method || sp2 == sp1 + 1 || line_end - sp2 != 9 ||
                (memcmp(sp2 + 1, "HTTP/1.1", 8) && memcmp(sp2 + 1, "HTTP/1.0", 8))) {
                c->close_after = 1;
                respond_error(S, c, 400, "invalid_request_error", NULL, "malformed HTTP request line");
                return;
            }
            for (i = 0; p + i < sp1; i++)
                if (p[i] < 'A' || p[i] > 'Z') { c->close_after = 1; respond_error(S, c, 400, "invalid_request_error", NULL, "malformed HTTP method"); return; }
            for (i = 1; sp1 + i < sp2; i++)
                if ((unsigned char)sp1[i] <= 0x20 || (unsigned char)sp1[i] >= 0x7f) {
                    c->close_after = 1;
                    respond_error(S, c, 400, "invalid_request_error", NULL, "malformed request target");
                    return;
                }
            http10 = sp2[8] == '0';
            /* header lines: name ":" value, name a token */
            hdr = (char *)line_end + 2;
            hn = c->head_len - (size_t)(hdr - c->in.p) - 2;
            for (i = 0; i < hn;) {
                const char *l = hdr + i, *le = (const char *)memchr(l, '\r', hn - i), *colon;
                size_t k;
                if (!le || le[1] != '\n') { c->close_after = 1; respond_error(S, c, 400, "invalid_request_error", NULL, "malformed header line"); return; }
                colon = (const char *)memchr(l, ':', (size_t)(le - l));
                if (!colon || colon == l) { c->close_after = 1; respond_error(S, c, 400, "invalid_request_error", NULL, "malformed header line"); return; }
                for (k = 0; l + k < colon; k++)
                    if (!strchr("!#$%&'*+-.^_`|~", l[k]) && !((l[k] >= '0' && l[k] <= '9') || (l[k] >= 'a' && l[k] <= 'z') || (l[k] >= 'A' && l[k] <= 'Z'))) {
                        c->close_after = 1;
                        respond_error(S, c, 400, "invalid_request_error", NULL, "malformed header name");
                        return;
                    }
                for (k = (size_t)(colon - l) + 1; l + k < le; k++)
                    if ((unsigned char)l[k] < 0x20 && l[k] != '\t') {
                        c->close_after = 1;
                        respond_error(S, c, 400, "invalid_request_error", NULL, "control character in a header");
                        return;
                    }
                i += (size_t)(le - l) + 2;
            }
            memcpy(method, p, (size_t)(sp1 - p));
            method[sp1 - p] = 0;
            i = (size_t)(sp2 - sp1 - 1);
            if (i >= sizeof path) i = sizeof path - 1;
            memcpy(path, sp1 + 1, i);
            path[i] = 0;
            if (strchr(path, '?')) *strchr(path, '?') = 0;
            c->keep_alive = !http10;
            if (header_value(hdr, hn, "Connection", val, sizeof val)) {
                if (ci_eq(val, "close", 6)) c->keep_alive = 0;
                else if (ci_eq(val, "keep-alive", 11)) c->keep_alive = 1;
            }
            c->body_len = 0;
            if (header_value(hdr, hn, "Transfer-Encoding", val, sizeof val)) {
                c->close_after = 1;
                respond_error(S, c, 411, "invalid_request_error", NULL, "chunked request bodies are not supported: send Content-Length");
                return;
            }
            if (header_value(hdr, hn, "Content-Length", val, sizeof val)) {
                unsigned long long L = 0;
                size_t k;
                for (k = 0; val[k]; k++) {
                    if (val[k] < '0' || val[k] > '9' || k > 18) { c->close_after = 1; respond_error(S, c, 400, "invalid_request_error", NULL, "bad Content-Length"); return; }
                    L = L * 10 + (unsigned)(val[k] - '0');
                }
                if (!k) { c->close_after = 1; respond_error(S, c, 400, "invalid_request_error", NULL, "bad Content-Length"); return; }
                if (L > S->max_body) {
                    c->close_after = 1;
                    respond_error(S, c, 413, "invalid_request_error", NULL, "request body larger than --max-body");
                    return;
                }
                c->body_len = (size_t)L;
            } else if (!strcmp(method, "POST")) {
                c->close_after = 1;
                respond_error(S, c, 411, "invalid_request_error", NULL, "POST needs a Content-Length");
                return;
            }
            if (S->api_key && !strncmp(path, "/v1/", 4)) {
                size_t kl = strlen(S->api_key);
                char auth[512];
                if (!header_value(hdr, hn, "Authorization", auth, sizeof auth) || strncmp(auth, "Bearer ", 7) || strlen(auth + 7) != kl ||
                    memcmp(auth + 7, S->api_key, kl)) {
                    c->close_after = c->in.n < c->head_len + c->body_len;   /* a body we will not read */
                    respond_error(S, c, 401, "invalid_request_error", NULL, "missing or wrong API key (Authorization: Bearer KEY)");
                    if (!c->close_after) {   /* body here already: skip it, keep the connection */
                        memmove(c->in.p, c->in.p + c->head_len + c->body_len, c->in.n - c->head_len - c->body_len);
                        c->in.n -= c->head_len + c->body_len;
                    }
                    return;
                }
            }
            if (header_value(hdr, hn, "Expect", val, sizeof val) && ci_eq(val, "100-continue", 13) && c->in.n < c->head_len + c->body_len) {
                static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
                conn_send(S, c, cont, sizeof cont - 1);
            }
            c->head_done = 1;
            /* keep what dispatch needs: method and path go after the body */
            memcpy(c->method, method, sizeof method);
            memcpy(c->path, path, sizeof path);
        }
        if (c->in.n < c->head_len + c->body_len) return;   /* body still coming */
        dispatch(S, c, c->method, c->path, c->in.p + c->head_len, c->body_len);
        if (c->state == C_DEAD) return;
        {   /* the request is consumed; a pipelined one may follow */
            size_t used = c->head_len + c->body_len;
            memmove(c->in.p, c->in.p + used, c->in.n - used);
            c->in.n -= used;
        }
        conn_reset_request(c);
        conn_after_write(c);
    }
}

/* Bytes from the socket, each chunk parsed as it comes; 0 when the peer
   closed or failed (after what it sent before closing was answered, when it
   was waiting for no job). */
static int conn_read(server *S, conn *c) {
    char buf[65536];
    for (;;) {
        ssize_t r = read(c->fd, buf, sizeof buf);
        if (r > 0) {
            c->t_io = now_s();
            if (c->state == C_DRAIN || (c->close_after && c->state != C_READ)) continue;   /* never read: discard */
            if (c->in.n + (size_t)r > S->max_head + S->max_body + sizeof buf) return 0;   /* flooding */
            if (!sb_put(&c->in, buf, (size_t)r)) return 0;
            if (c->state == C_READ) conn_process(S, c);
            continue;
        }
        if (r == 0) {   /* the peer is done sending: answer what it sent, then close */
            if (c->job || c->state == C_DEAD) return 0;
            if (c->state == C_READ && c->in.n) conn_process(S, c);
            if (c->job || c->state == C_READ || c->state == C_DRAIN) return 0;
            c->close_after = 1;   /* C_WRITE: the answer goes out first */
            c->peer_closed = 1;
            return 1;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 1;
        return 0;
    }
}

/* ---- the model's chat template ------------------------------------------ */

static int rd_u32(FILE *f, uint32_t *v) { unsigned char b[4]; if (fread(b, 1, 4, f) != 4) return 0; *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24; return 1; }
static int rd_u64(FILE *f, uint64_t *v) { uint32_t lo, hi; if (!rd_u32(f, &lo) || !rd_u32(f, &hi)) return 0; *v = (uint64_t)hi << 32 | lo; return 1; }

/* tokenizer.chat_template from a GGUF file's metadata (v2/v3), or NULL. Reads
   only the key/value section, every length checked before use. */
static char *gguf_chat_template(const char *path) {
    static const int fixed[13] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};   /* bytes per GGUF value type */
    FILE *f = fopen(path, "rb");
    char magic[4], key[64], *out = NULL;
    uint32_t version, type, et;
    uint64_t nt, nkv, i, len, cnt, k;
    if (!f) return NULL;
    if (fread(magic, 1, 4, f) != 4 || memcmp(magic, "GGUF", 4) || !rd_u32(f, &version) || (version != 2 && version != 3) ||
        !rd_u64(f, &nt) || !rd_u64(f, &nkv) || nkv > 65536)
        goto done;
    for (i = 0; i < nkv; i++) {
        int want;
        if (!rd_u64(f, &len) || len > (1u << 20)) goto done;
        want = len == 23;
        if (want) { if (fread(key, 1, 23, f) != 23) goto done; want = !memcmp(key, "tokenizer.chat_template", 23); }
        else if (fseek(f, (long)len, SEEK_CUR)) goto done;
        if (!rd_u32(f, &type) || type > 12) goto done;
        if (type == 8) {
            if (!rd_u64(f, &len) || len > (16u << 20)) goto done;
            if (want) {
                out = (char *)malloc((size_t)len + 1);
                if (out && fread(out, 1, (size_t)len, f) == (size_t)len) { out[len] = 0; goto done; }
                free(out);
                out = NULL;
                goto done;
            }
            if (fseek(f, (long)len, SEEK_CUR)) goto done;
        } else if (type == 9) {
            if (!rd_u32(f, &et) || et > 12 || et == 9 || !rd_u64(f, &cnt) || cnt > (1u << 24)) goto done;
            if (et == 8) {
                for (k = 0; k < cnt; k++)
                    if (!rd_u64(f, &len) || len > (16u << 20) || fseek(f, (long)len, SEEK_CUR)) goto done;
            } else if (fseek(f, (long)(cnt * (uint64_t)fixed[et]), SEEK_CUR)) goto done;
        } else if (fseek(f, fixed[type], SEEK_CUR)) goto done;
    }
done:
    fclose(f);
    return out;
}

/* "chat_template" of tokenizer_config.json in dir, or NULL. */
static char *config_chat_template(const char *dir) {
    char path[4096];
    FILE *f;
    char *text = NULL, *out = NULL;
    long L;
    jdoc d;
    int v;
    snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
    if (!(f = fopen(path, "rb"))) return NULL;
    if (fseek(f, 0, SEEK_END) || (L = ftell(f)) < 0 || L > (16L << 20) || fseek(f, 0, SEEK_SET) || !(text = (char *)malloc((size_t)L + 1)) ||
        fread(text, 1, (size_t)L, f) != (size_t)L) {
        fclose(f);
        free(text);
        return NULL;
    }
    fclose(f);
    if (j_parse(&d, text, (size_t)L) && (v = j_get(&d, 0, "chat_template")) >= 0 && d.v[v].type == J_STR) out = j_strdup(&d, v, NULL);
    free(d.v);
    free(text);
    return out;
}

/* ---- main ---------------------------------------------------------------- */

static void usage(FILE *f) {
    fprintf(f,
        "usage: mamba-server -m MODEL [options]\n"
        "  -m MODEL           model directory, .safetensors or .gguf file\n"
        "  --host ADDR        address to bind (default 127.0.0.1; 0.0.0.0 for every interface)\n"
        "  --port N           TCP port (default 8080; 0 picks a free one, printed on stderr)\n"
        "  -np SLOTS          requests generating at once (default 4)\n"
        "  -t THREADS         threads per forward (default: all cores, with OpenMP)\n"
        "  --cache-mib N      prefix-cache budget in MiB (default 256; 0 = off)\n"
        "  --api-key KEY      require 'Authorization: Bearer KEY' on /v1/*\n"
        "  --max-body BYTES   largest request body (default 1048576) -> 413\n"
        "  --max-header BYTES largest request head (default 16384) -> 431\n"
        "  --timeout S        idle / slow-sending / stalled-reader timeout (default 30) -> 408\n"
        "  --queue N          requests waiting for a slot before 503 (default 64)\n"
        "  --chunk N          prompt ids per step over all slots, and cache spacing (default 64)\n"
        "  --out-cap BYTES    output a client may leave unread before it is dropped (default 1048576)\n"
        "  --max-conn N       open connections (default 512)\n"
        "  --chat-template T  chatml or plain (default: from the model's tokenizer config / GGUF)\n"
        "  --name NAME        model id reported by the API (default: MODEL's last path part)\n"
        "  -h, --help         this text\n");
}

static conn *conn_new(server *S, int fd) {
    conn *c = (conn *)calloc(1, sizeof *c);
    if (!c) return NULL;
    c->fd = fd;
    c->state = C_READ;
    c->t_io = now_s();
    conn_reset_request(c);
    S->conns[S->n_conns++] = c;
    return c;
}

static void accept_all(server *S) {
    for (;;) {
        struct sockaddr_in a;
        socklen_t al = sizeof a;
        int fd = accept(S->listen_fd, (struct sockaddr *)&a, &al), one = 1;
        if (fd < 0) return;
        if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) { close(fd); continue; }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        {   /* bound what the kernel holds for a client too, so --out-cap decides */
            int sndbuf = S->out_cap < 16384 ? 16384 : S->out_cap > (1 << 20) ? 1 << 20 : (int)S->out_cap;
            setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
        }
        if (S->n_conns >= S->max_conn) {
            static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            ssize_t w = write(fd, busy, sizeof busy - 1);
            (void)w;
            S->mt.resp[503]++;
            close(fd);
            continue;
        }
        if (!conn_new(S, fd)) close(fd);
    }
}

static void begin_shutdown(server *S) {
    int i;
    if (S->stopping) return;
    S->stopping = 1;
    S->stop_deadline = now_s() + 5;   /* in-flight requests get 5 s to finish */
    fprintf(stderr, "mamba-server: stopping (signal %d)\n", (int)g_signal);
    if (S->listen_fd >= 0) { close(S->listen_fd); S->listen_fd = -1; }
    while (S->q_head) {   /* queued requests: refused */
        job *j = S->q_head;
        conn *c = j->c;
        job_drop(S, j);
        if (c && c->state != C_DEAD) {
            if (c->out.n == 0 && c->state == C_WAIT && !c->close_after) { c->state = C_READ; respond_error(S, c, 503, "server_error", NULL, "the server is shutting down"); }
            else c->state = C_DEAD;
        }
    }
    for (i = 0; i < S->n_conns; i++)   /* idle connections: closed */
        if (S->conns[i]->state == C_READ && S->conns[i]->in.n == 0) S->conns[i]->state = C_DEAD;
}

int main(int argc, char **argv) {
    server srv, *S = &srv;
    const char *template_arg = NULL;
    double threads = 0, cache_mib = 256;
    mamba_error err;
    mamba_status st;
    struct sockaddr_in addr;
    struct sigaction sa;
    struct pollfd *pfd = NULL;
    int i, rc = 1, one = 1;
    char *tmpl = NULL, *dir = NULL, *name = NULL;
    memset(S, 0, sizeof *S);
    S->host = "127.0.0.1";
    S->port = 8080;
    S->n_slots = 4;
    S->queue_max = 64;
    S->chunk = 64;
    S->max_conn = 512;
    S->max_body = 1 << 20;
    S->max_head = 16384;
    S->out_cap = 1 << 20;
    S->timeout = 30;
    S->listen_fd = -1;
    tool_name = "mamba-server";
    for (i = 1; i < argc; i++) {   /* usage errors: examples/tool.h (exit status 2) */
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) { usage(stdout); return 0; }
#define NUM(flag, lo, hi, integer, dst) else if (!strcmp(a, flag)) dst = tool_number(flag, tool_value(argc, argv, &i), lo, hi, integer);
        NUM("--port", 0, 65535, 1, S->port)
        NUM("-np", 1, 4096, 1, S->n_slots)
        NUM("-t", 1, 1024, 1, threads)
        NUM("--cache-mib", 0, 1 << 20, 1, cache_mib)
        NUM("--max-body", 1, 1 << 30, 1, S->max_body)
        NUM("--max-header", 256, 1 << 20, 1, S->max_head)
        NUM("--timeout", 0.1, 86400, 0, S->timeout)
        NUM("--queue", 0, 1 << 20, 1, S->queue_max)
        NUM("--chunk", 1, 1 << 16, 1, S->chunk)
        NUM("--out-cap", 1024, 1 << 30, 1, S->out_cap)
        NUM("--max-conn", 1, 1 << 16, 1, S->max_conn)
#undef NUM
        else if (!strcmp(a, "-m")) S->model_path = tool_value(argc, argv, &i);
        else if (!strcmp(a, "--host")) S->host = tool_value(argc, argv, &i);
        else if (!strcmp(a, "--api-key")) S->api_key = tool_value(argc, argv, &i);
        else if (!strcmp(a, "--chat-template")) template_arg = tool_value(argc, argv, &i);
        else if (!strcmp(a, "--name")) S->model_name = tool_value(argc, argv, &i);
        else tool_usage_error("unknown argument '%s'", a);
    }
    if (!S->model_path) tool_usage_error("no MODEL: -m MODEL is required");
    if (template_arg && strcmp(template_arg, "chatml") && strcmp(template_arg, "plain"))
        tool_usage_error("bad value '%s' for --chat-template: expected chatml or plain", template_arg);
    S->cache_bytes_max = (size_t)(cache_mib * 1048576.0);
    /* the model, its tokenizer, its chat template */
    st = mamba_model_load_file(&S->m, S->model_path, NULL, &err);
    if (st != MAMBA_OK) { fprintf(stderr, "mamba-server: %s\n", err.message); return 1; }
    if (threads > 0) mamba_model_set_threads(S->m, (int)threads, MAMBA_THREADS_ADAPTIVE);   /* no effect without OpenMP */
    S->cfg = mamba_model_config(S->m);
    dir = strdup(S->model_path);
    if (!dir) goto out;
    {
        size_t L = strlen(dir);
        int is_gguf = L >= 5 && !strcmp(dir + L - 5, ".gguf");
        if (L >= 12 && !strcmp(dir + L - 12, ".safetensors")) { char *sl = strrchr(dir, '/'); if (sl) *sl = 0; else strcpy(dir, "."); }
        st = mamba_tokenizer_load_file(&S->tok, dir, NULL, &err);
        if (st != MAMBA_OK) { fprintf(stderr, "mamba-server: %s\n", err.message); goto out; }
        tmpl = is_gguf ? gguf_chat_template(dir) : config_chat_template(dir);
    }
    S->V = S->cfg->vocab_size;
    if (mamba_tokenizer_n_vocab(S->tok) < S->V) S->V = mamba_tokenizer_n_vocab(S->tok);
    S->eos = mamba_tokenizer_eos_id(S->tok) >= 0 ? mamba_tokenizer_eos_id(S->tok) : S->cfg->eos_token_id;
    S->im_end = mamba_tokenizer_token_id(S->tok, "<|im_end|>", 10);
    S->template_chatml = template_arg ? !strcmp(template_arg, "chatml") : tmpl && strstr(tmpl, "<|im_start|>") != NULL;
    if (!S->model_name) {
        size_t L = strlen(S->model_path);
        name = strdup(S->model_path);
        if (!name) goto out;
        while (L > 1 && name[L - 1] == '/') name[--L] = 0;
        S->model_name = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
    }
    /* slots: a state, logits and sampler memory each, allocated once */
    S->slots = (slot *)calloc((size_t)S->n_slots, sizeof(slot));
    S->conns = (conn **)calloc((size_t)S->max_conn, sizeof(conn *));
    pfd = (struct pollfd *)calloc((size_t)S->max_conn + 2, sizeof *pfd);
    if (!S->slots || !S->conns || !pfd) goto oom;
    for (i = 0; i < S->n_slots; i++) {
        if (mamba_state_new(&S->slots[i].st, S->m, S->chunk) != MAMBA_OK) goto oom;
        S->slots[i].logits = (float *)malloc(sizeof(float) * (size_t)S->cfg->vocab_size);
        S->slots[i].smp_mem = malloc(mamba_sampler_bytes(S->V));
        if (!S->slots[i].logits || !S->slots[i].smp_mem) goto oom;
    }
#if SERVER_BATCH
    S->bseq = (mamba_batch_seq *)calloc((size_t)S->n_slots, sizeof(mamba_batch_seq));
    if (!S->bseq) goto oom;
    if (mamba_batch_new(&S->batch, S->m, S->n_slots, S->n_slots + S->chunk, &err) != MAMBA_OK) { fprintf(stderr, "mamba-server: %s\n", err.message); goto out; }
    if (S->cache_bytes_max) {
        mamba_cache_params cp;
        size_t sb = mamba_state_bytes(S->cfg);
        memset(&cp, 0, sizeof cp);
        cp.interval = (size_t)S->chunk;
        if (mamba_cache_new(&S->lcache, S->m, S->cache_bytes_max, &cp, &err) != MAMBA_OK) { fprintf(stderr, "mamba-server: %s\n", err.message); goto out; }
        if (!(S->tmp_mem = aligned_alloc(64, (sb + 63) / 64 * 64)) || mamba_state_init(&S->tmp, S->cfg, S->tmp_mem, sb, NULL, 0, 0, NULL) != MAMBA_OK) goto oom;
    }
#endif
    /* the socket */
    if (pipe(g_sigpipe) < 0) { perror("mamba-server: pipe"); goto out; }
    fcntl(g_sigpipe[0], F_SETFL, O_NONBLOCK);
    fcntl(g_sigpipe[1], F_SETFL, O_NONBLOCK);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)S->port);
    if (inet_pton(AF_INET, S->host, &addr.sin_addr) != 1) { fprintf(stderr, "mamba-server: --host takes an IPv4 address, not '%s'\n", S->host); goto out; }
    S->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (S->listen_fd < 0) { perror("mamba-server: socket"); goto out; }
    setsockopt(S->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(S->listen_fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(S->listen_fd, 128) < 0) {
        fprintf(stderr, "mamba-server: cannot listen on %s:%d: %s\n", S->host, S->port, strerror(errno));
        goto out;
    }
    fcntl(S->listen_fd, F_SETFL, fcntl(S->listen_fd, F_GETFL) | O_NONBLOCK);
    {
        socklen_t al = sizeof addr;
        getsockname(S->listen_fd, (struct sockaddr *)&addr, &al);
    }
    fprintf(stderr, "mamba-server: %s (%d layers, d_model %d, vocab %d), %d slots, chat template %s%s, prefix cache %.0f MiB\n",
            S->model_name, S->cfg->n_layer, S->cfg->d_model, S->cfg->vocab_size, S->n_slots, S->template_chatml ? "chatml" : "plain",
            template_arg ? " (--chat-template)" : tmpl ? " (from the model)" : " (fallback)", cache_mib);
    fprintf(stderr, "mamba-server: listening on http://%s:%d\n", S->host, ntohs(addr.sin_port));
    fflush(stderr);

    for (;;) {
        int np = 0, active = 0, busy;
        double t;
        for (i = 0; i < S->n_slots; i++) active += S->slots[i].j != NULL;
        if (g_signal && !S->stopping) begin_shutdown(S);
        if (S->stopping) {
            int pending = active;
            for (i = 0; i < S->n_conns; i++) pending += S->conns[i]->state != C_DEAD && (S->conns[i]->out.n > 0 || S->conns[i]->job);
            if (!pending || now_s() > S->stop_deadline) break;
        }
        busy = active > 0;
        pfd[np].fd = g_sigpipe[0]; pfd[np].events = POLLIN; pfd[np++].revents = 0;
        if (S->listen_fd >= 0) { pfd[np].fd = S->listen_fd; pfd[np].events = POLLIN; pfd[np++].revents = 0; }
        for (i = 0; i < S->n_conns; i++) {
            conn *c = S->conns[i];
            pfd[np].fd = c->fd;
            pfd[np].events = (short)((c->peer_closed ? 0 : POLLIN) | (c->out.n > c->out_off ? POLLOUT : 0));
            pfd[np++].revents = 0;
        }
        if (poll(pfd, (nfds_t)np, busy ? 0 : 50) < 0 && errno != EINTR) { perror("mamba-server: poll"); break; }
        if (pfd[0].revents) { char b[64]; while (read(g_sigpipe[0], b, sizeof b) > 0) {} }
        if (S->listen_fd >= 0 && pfd[1].revents) accept_all(S);
        t = now_s();
        for (i = 0; i < S->n_conns; i++) {   /* the pollfd of conns[i] is at np - n_conns + i only for the old ones */
            conn *c = S->conns[i];
            int k = (S->listen_fd >= 0 ? 2 : 1) + i;
            short re = k < np && pfd[k].fd == c->fd ? pfd[k].revents : 0;
            if (c->state == C_DEAD) continue;
            if (re & POLLOUT) { conn_flush(c); conn_after_write(c); }
            if (!c->peer_closed && (re & (POLLIN | POLLHUP | POLLERR))) {
                if (!conn_read(S, c)) {
                    if (c->job) fprintf(stderr, "mamba-server: client on fd %d went away; request %ld cancelled\n", c->fd, c->job->id);
                    conn_kill(S, c);
                    continue;
                }
            }
            if (c->state == C_READ && c->in.n) conn_process(S, c);
            if (c->state == C_WRITE) conn_after_write(c);
            /* timeouts */
            if (c->state == C_READ && t - c->t_start > S->timeout) {
                c->close_after = 1;
                respond_error(S, c, 408, "invalid_request_error", NULL, "request not received in time (--timeout)");
                conn_after_write(c);
            } else if (c->out.n > c->out_off && t - c->t_io > S->timeout) {
                fprintf(stderr, "mamba-server: fd %d: client stopped reading, disconnecting\n", c->fd);
                conn_kill(S, c);
            } else if (c->state == C_DRAIN && t - c->t_drain > 1.0) c->state = C_DEAD;
        }
        schedule(S);
        for (i = 0, active = 0; i < S->n_slots; i++) active += S->slots[i].j != NULL;
        if (active && !(S->stopping && now_s() > S->stop_deadline)) engine_step(S);
        /* reap: dead connections (their jobs were cancelled at once) */
        for (i = 0; i < S->n_conns;) {
            conn *c = S->conns[i];
            if (c->state == C_WRITE) conn_after_write(c);
            if (c->state == C_DEAD) {
                if (c->job) { S->mt.disconnects++; job_drop(S, c->job); }
                close(c->fd);
                sb_free(&c->in);
                sb_free(&c->out);
                free(c);
                S->conns[i] = S->conns[--S->n_conns];
                continue;
            }
            i++;
        }
    }
    fprintf(stderr, "mamba-server: stopped\n");
    rc = 0;
    goto out;
oom:
    fprintf(stderr, "mamba-server: out of memory\n");
out:
    if (S->slots) {
        for (i = 0; i < S->n_slots; i++) {
            if (S->slots[i].j) job_drop(S, S->slots[i].j);
            mamba_state_free(S->slots[i].st);
            free(S->slots[i].logits);
            free(S->slots[i].smp_mem);
        }
    }
    while (S->q_head) job_drop(S, S->q_head);
    for (i = 0; i < S->n_conns; i++) {
        close(S->conns[i]->fd);
        sb_free(&S->conns[i]->in);
        sb_free(&S->conns[i]->out);
        free(S->conns[i]);
    }
#if SERVER_BATCH
    mamba_batch_free(S->batch);
    mamba_cache_free(S->lcache);
    free(S->bseq);
    free(S->tmp_mem);
#else
    while (S->cache) { pc_entry *e = S->cache; S->cache = e->next; pc_free_entry(e); }
#endif
    if (S->listen_fd >= 0) close(S->listen_fd);
    if (g_sigpipe[0] >= 0) { close(g_sigpipe[0]); close(g_sigpipe[1]); }
    free(S->slots);
    free(S->conns);
    free(pfd);
    free(tmpl);
    free(dir);
    free(name);
    mamba_tokenizer_free(S->tok);
    mamba_model_free(S->m);
    return rc;
}
