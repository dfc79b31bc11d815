/* What the command-line tools share, so they behave alike:
     --help prints the usage to stdout, exit status 0;
     a usage error (unknown option, missing or bad value) prints the problem
       and "try NAME --help" to stderr, exit status 2;
     a failure at run time prints NAME: message to stderr, exit status 1;
     a bad value names the range it must be in;
     file arguments: "-" is standard input; an unreadable file is named with
       the system's reason (strerror).
   Include after mamba.h, with _POSIX_C_SOURCE defined before any include
   (stat); set tool_name first thing in main. */
#ifndef MAMBA_TOOL_H
#define MAMBA_TOOL_H
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

static const char *tool_name = "mamba";

#if defined(__GNUC__) || defined(__clang__)
#define TOOL_PRINTF __attribute__((format(printf, 1, 2)))
#define TOOL_UNUSED __attribute__((unused))
#else
#define TOOL_PRINTF
#define TOOL_UNUSED
#endif

/* A usage error: the message, a pointer to --help, exit status 2. */
TOOL_PRINTF static void tool_usage_error(const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "%s: ", tool_name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\ntry '%s --help'\n", tool_name);
    exit(2);
}

/* The value after a flag, or a usage error when there is none. */
TOOL_UNUSED static const char *tool_value(int argc, char **argv, int *i) {
    if (*i + 1 >= argc) tool_usage_error("%s needs a value", argv[*i]);
    return argv[++*i];
}

/* A number in [lo, hi] (an integer when `integer`), or a usage error naming the range. */
TOOL_UNUSED static double tool_number(const char *flag, const char *s, double lo, double hi, int integer) {
    char *end;
    double v;
    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end || errno == ERANGE || !(v >= lo && v <= hi) || (integer && floor(v) != v)) {
        if (integer) tool_usage_error("bad value '%s' for %s: expected an integer from %.0f to %.0f", s, flag, lo, hi);
        tool_usage_error("bad value '%s' for %s: expected a number from %g to %g", s, flag, lo, hi);
    }
    return v;
}

/* The whole of a file ("-": standard input), NUL-terminated; NULL with a
   message naming the path and the reason on failure. */
TOOL_UNUSED static char *tool_read_file(const char *path, size_t *n) {
    FILE *f;
    char *buf = NULL;
    size_t cap = 0, len = 0, got;
    struct stat st;
    int is_stdin = !strcmp(path, "-");
    *n = 0;
    if (!is_stdin && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: cannot read %s: %s (a text file was expected)\n", tool_name, path, strerror(EISDIR));
        return NULL;
    }
    f = is_stdin ? stdin : fopen(path, "rb");
    if (!f) { fprintf(stderr, "%s: cannot open %s: %s\n", tool_name, path, strerror(errno)); return NULL; }
    do {
        if (len + 65536 + 1 > cap) {
            char *nb = (char *)realloc(buf, cap = 2 * cap + 65536 + 1);
            if (!nb) { free(buf); if (!is_stdin) fclose(f); fprintf(stderr, "%s: out of memory reading %s\n", tool_name, path); return NULL; }
            buf = nb;
        }
        got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
    } while (got > 0);
    if (ferror(f)) {
        int e = errno;
        free(buf);
        if (!is_stdin) fclose(f);
        fprintf(stderr, "%s: cannot read %s: %s\n", tool_name, is_stdin ? "standard input" : path, strerror(e ? e : EIO));
        return NULL;
    }
    if (!is_stdin) fclose(f);
    buf[len] = 0;
    *n = len;
    return buf;
}
#endif
