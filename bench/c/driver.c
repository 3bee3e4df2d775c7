/* lncmail through its C ABI, for bench/run.sh.
 *   driver throughput HOST PORT N   N messages of about 1 KiB on one handle
 *   driver cmdcost N                nanoseconds per lnc_cmd call of a small command (MAILSUBJ)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lncmail.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char result[1024];

static void must(int32_t h, const char *cmd, const char *p1, const char *p2) {
    int32_t code = lnc_cmd(h, cmd, NULL, p1, p2, result, sizeof result);
    if (code != LNC_OK) {
        fprintf(stderr, "driver: %s: %s\n", cmd, result);
        exit(1);
    }
}

int main(int argc, char **argv) {
    if (argc == 5 && strcmp(argv[1], "throughput") == 0) {
        int n = atoi(argv[4]);
        char props[256], subject[64], text[1024] = "";
        snprintf(props, sizeof props, "Server=\"%s\";port=%s;Sender=\"Bench <bench@example.com>\";Timeout=30", argv[2], argv[3]);
        /* Same text as lncmail-bench: 12 lines of 60 characters. */
        const char *chunk = "abcdefghijklmnopqrstuvwxyz0123456789 abcdefghijklmnopqrst";
        for (int i = 0; i < 12; i++) {
            char line[80];
            snprintf(line, sizeof line, "%s%02d %s", i ? "\n" : "", i, chunk);
            strcat(text, line);
        }
        int32_t h = lnc_open();
        if (h <= 0) { fprintf(stderr, "driver: lnc_open failed\n"); return 1; }
        must(h, "MAILSMTP", props, NULL);
        double start = now();
        for (int i = 0; i < n; i++) {
            snprintf(subject, sizeof subject, "subject=\"bench message %d\"", i);
            must(h, "MAILPREP", "rcpt@example.com", subject);
            must(h, "MAILTEXT", text, NULL);
            must(h, "MAILSEND", NULL, NULL);
        }
        must(h, "MAILEND", NULL, NULL);
        double secs = now() - start;
        lnc_close(h);
        printf("messages=%d seconds=%.4f per_second=%.1f\n", n, secs, n / secs);
        return 0;
    }
    if (argc == 3 && strcmp(argv[1], "cmdcost") == 0) {
        long n = atol(argv[2]);
        int32_t h = lnc_open();
        must(h, "MAILSMTP", "Server=\"file:/nonexistent\";Sender=\"me@example.com\"", NULL);
        must(h, "MAILPREP", "you@example.com", NULL);
        double start = now();
        for (long i = 0; i < n; i++) {
            if (lnc_cmd(h, "MAILSUBJ", NULL, "Monthly report", NULL, result, sizeof result) != LNC_OK) {
                fprintf(stderr, "driver: MAILSUBJ: %s\n", result);
                return 1;
            }
        }
        double secs = now() - start;
        lnc_close(h);
        printf("calls=%ld seconds=%.4f ns_per_call=%.0f\n", n, secs, secs * 1e9 / n);
        return 0;
    }
    fprintf(stderr, "usage: driver throughput HOST PORT N | driver cmdcost N\n");
    return 2;
}
