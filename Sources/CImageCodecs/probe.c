/*
 * Peak-memory probe for resource tests (see image_codecs.h): a decode in a forked child, so the measurement
 * is not mixed with what the test process did before.
 */
#include "image_codecs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static long ot_current_rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return 0;
    long pages = 0, resident = 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* The peak resident set (VmHWM), which the child resets at its start; getrusage's ru_maxrss when absent. */
static long ot_peak_rss_kib(void) {
    FILE *f = fopen("/proc/self/status", "r");
    long peak = -1;
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "VmHWM:", 6) == 0) peak = strtol(line + 6, NULL, 10);
        fclose(f);
    }
    if (peak < 0) {
        struct rusage usage;
        getrusage(RUSAGE_SELF, &usage);
        peak = usage.ru_maxrss;
    }
    return peak;
}

static void ot_probe_child(const uint8_t *data, size_t size, long max_pixels, long result[3]) {
    /* A forked child starts with the parent's peak; writing 5 to clear_refs resets it to the current RSS. */
    FILE *reset = fopen("/proc/self/clear_refs", "w");
    if (reset) {
        fputs("5", reset);
        fclose(reset);
    }
    long before = ot_current_rss_kib();
    int status = OT_OK;
    long long work = 0;
    char message[OT_MSG_LEN];
    if (size >= 2 && data[0] == 0xFF && data[1] == 0xD8) {
        ot_jpeg_header h;
        ot_jpeg *j = ot_jpeg_open(data, size, 8, 0, 1L << 30, &h, &status, message);
        if (j) {
            if ((long long)h.image_width * h.image_height > max_pixels) {
                status = OT_ERR_LIMIT;
            } else {
                uint8_t *out = malloc((size_t)h.output_width * h.output_height * (size_t)h.output_components);
                int warnings = 0;
                status = out ? ot_jpeg_decode(j, out, 0, &warnings, message) : OT_ERR_MEMORY;
                free(out);
            }
            work = ot_jpeg_work(j);
            ot_jpeg_close(j);
        }
    } else {
        ot_png_header h;
        ot_png *p = ot_png_open(data, size, max_pixels, &h, &status, message);
        if (p) {
            if ((long long)h.width * h.height > max_pixels) {
                status = OT_ERR_LIMIT;
            } else {
                uint8_t *out = malloc((size_t)h.width * h.height * (size_t)h.output_components);
                status = out ? ot_png_decode(p, out, message) : OT_ERR_MEMORY;
                free(out);
            }
            work = (long long)ot_png_consumed(p);
            ot_png_close(p);
        }
    }
    result[0] = ot_peak_rss_kib() - before;
    result[1] = status;
    result[2] = (long)work;
}

long ot_probe_decode_rss_kib(const uint8_t *data, size_t size, long max_pixels, int *status, long long *work) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        long result[3] = {0, 0, 0};
        close(fds[0]);
        ot_probe_child(data, size, max_pixels, result);
        ssize_t written = write(fds[1], result, sizeof result);
        _exit(written == (ssize_t)sizeof result ? 0 : 1);
    }
    close(fds[1]);
    long result[3] = {-1, 0, 0};
    size_t got = 0;
    while (got < sizeof result) {
        ssize_t n = read(fds[0], (char *)result + got, sizeof result - got);
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fds[0]);
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    if (got != sizeof result) return -1;
    if (status) *status = (int)result[1];
    if (work) *work = result[2];
    return result[0];
}
