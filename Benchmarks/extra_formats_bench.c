/* Times the CExtraCodecs shims (open, allocate, decode, close) on one file: best of N in process CPU time, so
 * other builds on the machine count less. The libraries are Debian's optimised builds; the shim is built -O2.
 * Built and run by extra-formats.sh. */
#include "extra_codecs.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(int argc, char **argv) {
    FILE *f = fopen(argv[1], "rb"); fseek(f, 0, SEEK_END); long n = ftell(f); fseek(f, 0, SEEK_SET);
    uint8_t *d = malloc(n); fread(d, 1, n, f); fclose(f);
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    const char *ext = strrchr(argv[1], '.') + 1;
    double best = 1e9; otx_header h; int st; char msg[OTX_MSG_LEN];
    for (int r = 0; r < reps; r++) {
        double t0 = now(); uint8_t *out = NULL; int rc = -1;
        if (!strcmp(ext, "heic")) { otx_heif *x = otx_heif_open(d, n, 65535, &h, &st, msg); out = malloc((size_t)h.width*h.height*3); rc = otx_heif_decode(x, out, msg); otx_heif_close(x); }
        else if (!strcmp(ext, "webp")) { otx_webp *x = otx_webp_open(d, n, 10000, &h, &st, msg); out = malloc((size_t)h.width*h.height*3); rc = otx_webp_decode(x, out, msg); otx_webp_close(x); }
        else { otx_gif *x = otx_gif_open(d, n, 10000, &h, &st, msg); out = malloc((size_t)h.width*h.height*3); rc = otx_gif_decode(x, out, msg); otx_gif_close(x); }
        double t = now() - t0; if (t < best) best = t; free(out);
        if (rc) { printf("error %d %s\n", rc, msg); return 1; }
    }
    printf("%s\t%dx%d\t%ld bytes\tbest of %d: %.1f ms\t%.1f ms/MP\n", argv[1], h.width, h.height, n, reps, best * 1e3, best * 1e3 / (h.width * (double)h.height / 1e6));
}
