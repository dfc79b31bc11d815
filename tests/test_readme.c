/* Runs the C example from README.md (extracted and built by the Makefile as
   build/readme_example) and checks that it works as the README says: exit
   status 0 and Shakespeare-like text on stdout: beyond the echoed prompt, a
   speaker's name in capitals followed by a colon, and no control characters. */
#include "test.h"

int main(void) {
    FILE *f;
    char out[65536];
    size_t n = 0, i;
    int rc, printable = 1, upper_colon = 0;
    rc = system("build/readme_example > build/tmp/readme.out 2> build/tmp/readme.err");
    CHECK(rc == 0, "README example exit status %d", rc);
    f = fopen("build/tmp/readme.out", "rb");
    if (f) { n = fread(out, 1, sizeof out - 1, f); fclose(f); }
    out[n] = 0;
    CHECK(n >= 50, "README example printed %zu bytes", n);
    for (i = 6; i < n; i++) {   /* after the echoed "ROMEO:" */
        unsigned char c = (unsigned char)out[i];
        if (c < 32 && c != '\n' && c != '\t') printable = 0;
        if (c == ':' && i >= 3 && out[i - 1] >= 'A' && out[i - 1] <= 'Z' && out[i - 2] >= 'A' && out[i - 2] <= 'Z') upper_colon = 1;
    }
    CHECK(printable, "README example printed control characters");
    CHECK(upper_colon, "README example output has no speaker line (NAME:): %.200s", out);
    printf("  README example printed %zu bytes\n", n);
    return test_summary();
}
