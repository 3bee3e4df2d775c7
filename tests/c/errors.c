/* Every error class of the C layer: bad handles, NULL pointers, invalid UTF-8, bad fixed
 * fields, result buffers that must not be written; and lnc_strerror / lnc_version. */
#include <limits.h>

#include "check.h"

static void expect_invalid(int line, int32_t rc, const char *result, const char *needle) {
    if (rc != LNC_INVALID_ARGUMENT) {
        fprintf(stderr, "FAIL line %d: code %d, want 14: %s\n", line, rc, result);
        exit(1);
    }
    if (strncmp(result, "E14 ", 4) != 0 || strstr(result, needle) == NULL) {
        fprintf(stderr, "FAIL line %d: result %s does not say '%s'\n", line, result, needle);
        exit(1);
    }
}
#define INVALID(rc, needle) expect_invalid(__LINE__, (rc), r, (needle))

int main(void) {
    char r[512];
    const char bad_utf8[] = {'M', 'A', 'I', 'L', (char)0xC3, (char)0x28, 0};

    /* Handles that were never opened. */
    int32_t never[] = {0, -1, -14, 999999, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++) {
        INVALID(lnc_cmd(never[i], "MAILEND", NULL, NULL, NULL, r, sizeof r), "unknown or closed handle");
        INVALID(lnc_cmd_fixed(never[i], "MAILEND", 7, NULL, 0, NULL, 0, NULL, 0, r, sizeof r),
                "unknown or closed handle");
        CHECK(lnc_close(never[i]) == LNC_INVALID_ARGUMENT, "close of %d", never[i]);
    }

    /* A closed handle: refused, closing it twice too, and its number is not reused. */
    int32_t h = lnc_open();
    CHECK(h > 0, "open gave %d", h);
    CHECK(lnc_close(h) == LNC_OK, "close");
    CHECK(lnc_close(h) == LNC_INVALID_ARGUMENT, "second close");
    INVALID(lnc_cmd(h, "MAILEND", NULL, NULL, NULL, r, sizeof r), "closed handle");
    int32_t h2 = lnc_open();
    CHECK(h2 > 0 && h2 != h, "handle %d reused as %d", h, h2);

    /* NULL pointers. */
    INVALID(lnc_cmd(h2, NULL, NULL, NULL, NULL, r, sizeof r), "cmd is NULL");
    INVALID(lnc_cmd_fixed(h2, NULL, 0, NULL, 0, NULL, 0, NULL, 0, r, sizeof r), "cmd is NULL");
    INVALID(lnc_cmd_fixed(h2, "MAILEND", 7, NULL, 3, NULL, 0, NULL, 0, r, sizeof r), "opt is NULL");
    INVALID(lnc_cmd_fixed(h2, "MAILEND", 7, NULL, 0, NULL, 5, NULL, 0, r, sizeof r), "parm1 is NULL");
    INVALID(lnc_cmd_fixed(h2, "MAILEND", 7, NULL, 0, NULL, 0, NULL, 9, r, sizeof r), "parm2 is NULL");
    /* NULL opt/parm1/parm2 mean empty. */
    CMD(h2, "MAILEND", NULL, NULL, LNC_OK);

    /* Invalid UTF-8 in each argument. */
    INVALID(lnc_cmd(h2, bad_utf8, NULL, NULL, NULL, r, sizeof r), "cmd is not valid UTF-8 (byte 5)");
    INVALID(lnc_cmd(h2, "MAILEND", bad_utf8, NULL, NULL, r, sizeof r), "opt is not valid UTF-8");
    INVALID(lnc_cmd(h2, "MAILSMTP", NULL, bad_utf8, NULL, r, sizeof r), "parm1 is not valid UTF-8");
    INVALID(lnc_cmd(h2, "MAILPREP", NULL, "a@example.com", bad_utf8, r, sizeof r), "parm2 is not valid UTF-8");
    INVALID(lnc_cmd_fixed(h2, "MAILSMTP", 8, NULL, 0, bad_utf8, 6, NULL, 0, r, sizeof r),
            "parm1 is not valid UTF-8");
    /* A NUL inside a fixed field (not trailing padding). */
    INVALID(lnc_cmd_fixed(h2, "MAIL\0END", 8, NULL, 0, NULL, 0, NULL, 0, r, sizeof r), "NUL byte");
    /* An empty command is not a NULL pointer: it is an unknown command. */
    CMD(h2, "", NULL, NULL, LNC_UNKNOWN_COMMAND);
    CHECK(lnc_cmd_fixed(h2, "        ", 8, NULL, 0, NULL, 0, NULL, 0, r, sizeof r) == LNC_UNKNOWN_COMMAND, "%s", r);

    /* A failed call leaves the session as it was. */
    CMD(h2, "MAILSMTP", "Server=\"file:/nonexistent-outbox\";Sender=\"me@example.com\"", NULL, LNC_OK);
    INVALID(lnc_cmd(h2, "MAILSMTP", NULL, bad_utf8, NULL, r, sizeof r), "parm1");
    CMD(h2, "MAILPREP", "you@example.com", NULL, LNC_OK);

    /* NULL result or length 0: the code is still returned, nothing is written. */
    CHECK(lnc_cmd(h2, "MAILFOO", NULL, NULL, NULL, NULL, 100) == LNC_UNKNOWN_COMMAND, "NULL result");
    CHECK(lnc_cmd(h2, NULL, NULL, NULL, NULL, NULL, 0) == LNC_INVALID_ARGUMENT, "NULL result, NULL cmd");
    memset(r, '#', sizeof r);
    CHECK(lnc_cmd(h2, "MAILFOO", NULL, NULL, NULL, r, 0) == LNC_UNKNOWN_COMMAND, "length 0");
    CHECK(lnc_cmd_fixed(h2, "MAILFOO", 7, NULL, 0, NULL, 0, NULL, 0, r, 0) == LNC_UNKNOWN_COMMAND, "length 0");
    for (size_t i = 0; i < sizeof r; i++) CHECK(r[i] == '#', "byte %zu written with length 0", i);
    CHECK(lnc_cmd_fixed(h2, "MAILFOO", 7, NULL, 0, NULL, 0, NULL, 0, NULL, 50) == LNC_UNKNOWN_COMMAND, "NULL");
    CHECK(lnc_close(h2) == LNC_OK, "close");

    /* lnc_strerror: a static text for every code, "unknown code" otherwise. */
    for (int32_t c = LNC_OK; c <= LNC_PARTIAL; c++) {
        const char *s = lnc_strerror(c);
        CHECK(s != NULL && strlen(s) > 0 && strcmp(s, "unknown code") != 0, "strerror(%d)", c);
        CHECK(lnc_strerror(c) == s, "strerror(%d) is not static", c);
    }
    CHECK(strcmp(lnc_strerror(LNC_SEQUENCE), "the command is not allowed in the session's state") == 0, "5");
    CHECK(strcmp(lnc_strerror(LNC_INVALID_ARGUMENT), "invalid argument (handle, pointer or UTF-8)") == 0, "14");
    int32_t unknown[] = {-1, 17, 1000, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        CHECK(strcmp(lnc_strerror(unknown[i]), "unknown code") == 0, "strerror(%d)", unknown[i]);

    CHECK(strncmp(lnc_version(), "lncmail ", 8) == 0 && strlen(lnc_version()) > 8, "%s", lnc_version());
    printf("errors ok (%s)\n", lnc_version());
    return 0;
}
