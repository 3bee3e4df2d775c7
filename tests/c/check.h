/* Small helpers shared by the C test programs: checks that print what failed and exit 1. */
#ifndef LNC_TEST_CHECK_H
#define LNC_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lncmail.h"

#define FAIL(...)                                                   \
    do {                                                            \
        fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);        \
        fprintf(stderr, __VA_ARGS__);                               \
        fprintf(stderr, "\n");                                      \
        exit(1);                                                    \
    } while (0)

#define CHECK(cond, ...)                                            \
    do {                                                            \
        if (!(cond)) {                                              \
            fprintf(stderr, "check failed: %s\n", #cond);            \
            FAIL(__VA_ARGS__);                                      \
        }                                                           \
    } while (0)

/* Runs a command that must give `want`; returns the result text in a static buffer. */
#define RESULT_MAX 4096
static inline char *expect_cmd(int line, int32_t h, const char *cmd, const char *p1, const char *p2,
                        int32_t want) {
    static _Thread_local char result[RESULT_MAX];
    int32_t rc = lnc_cmd(h, cmd, NULL, p1, p2, result, sizeof result);
    if (rc != want) {
        fprintf(stderr, "FAIL line %d: %s gave %d (want %d): %s\n", line, cmd, rc, want, result);
        exit(1);
    }
    if (rc == LNC_OK && strncmp(result, "OK", 2) != 0) {
        fprintf(stderr, "FAIL line %d: %s gave code 0 but text %s\n", line, cmd, result);
        exit(1);
    }
    if (rc != LNC_OK) {
        char prefix[16];
        snprintf(prefix, sizeof prefix, "E%d ", rc);
        if (strncmp(result, prefix, strlen(prefix)) != 0) {
            fprintf(stderr, "FAIL line %d: %s gave code %d but text %s\n", line, cmd, rc, result);
            exit(1);
        }
    }
    return result;
}
#define CMD(h, cmd, p1, p2, want) expect_cmd(__LINE__, (h), (cmd), (p1), (p2), (want))

/* Reads a whole file into a malloc'ed NUL-terminated buffer (the caller frees it). */
static inline char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) FAIL("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (!buf) FAIL("out of memory");
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) FAIL("cannot read %s", path);
    buf[n] = 0;
    fclose(f);
    return buf;
}

#endif
