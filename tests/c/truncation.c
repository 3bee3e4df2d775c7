/* The result text at every small buffer length: always NUL-terminated (lnc_cmd) or blank-padded
 * (lnc_cmd_fixed), a prefix of the full text that never splits a UTF-8 character, and not one
 * byte written past the given length. */
#include "check.h"

#define GUARD 16

/* The length lnc_cmd must keep: the longest prefix of at most `room` bytes that ends on a
 * character boundary. */
static size_t boundary(const char *full, size_t room) {
    size_t n = strlen(full);
    if (room >= n) return n;
    while (room > 0 && ((unsigned char)full[room] & 0xC0) == 0x80) room--;
    return room;
}

static void check_lengths(int32_t h, const char *cmd, const char *parm1, int32_t want) {
    char full[RESULT_MAX];
    CHECK(lnc_cmd(h, cmd, NULL, parm1, NULL, full, sizeof full) == want, "%s", full);
    size_t n = strlen(full);
    /* The fixed form's own full text (the C layer's messages name the function called). */
    char full_fixed[RESULT_MAX + 1];
    size_t p1len = parm1 ? strlen(parm1) : 0;
    CHECK(lnc_cmd_fixed(h, cmd, strlen(cmd), NULL, 0, parm1, p1len, NULL, 0, full_fixed, RESULT_MAX) == want, "fixed");
    full_fixed[RESULT_MAX] = 0;
    for (size_t i = RESULT_MAX; i > 0 && full_fixed[i - 1] == ' '; i--) full_fixed[i - 1] = 0;
    size_t nf = strlen(full_fixed);
    char buf[RESULT_MAX + GUARD];
    for (size_t len = 0; len <= (n > nf ? n : nf) + 2; len++) {
        memset(buf, '#', sizeof buf);
        CHECK(lnc_cmd(h, cmd, NULL, parm1, NULL, buf, len) == want, "len %zu", len);
        if (len == 0) {
            CHECK(buf[0] == '#', "written with length 0");
        } else {
            size_t keep = boundary(full, len - 1);
            CHECK(strlen(buf) == keep, "len %zu: got %zu bytes, want %zu: '%s'", len, strlen(buf), keep, buf);
            CHECK(memcmp(buf, full, keep) == 0, "len %zu: not a prefix: '%s'", len, buf);
        }
        for (size_t i = len; i < len + GUARD; i++) CHECK(buf[i] == '#', "len %zu: byte %zu overwritten", len, i);

        memset(buf, '#', sizeof buf);
        CHECK(lnc_cmd_fixed(h, cmd, strlen(cmd), NULL, 0, parm1, p1len, NULL, 0, buf, len) == want, "fixed len %zu", len);
        size_t keep = boundary(full_fixed, len);
        CHECK(memcmp(buf, full_fixed, keep) == 0, "fixed len %zu: not a prefix", len);
        for (size_t i = keep; i < len; i++) CHECK(buf[i] == ' ', "fixed len %zu: byte %zu not blank", len, i);
        for (size_t i = len; i < len + GUARD; i++) CHECK(buf[i] == '#', "fixed len %zu: byte %zu overwritten", len, i);
    }
}

int main(void) {
    int32_t h = lnc_open();
    CHECK(h > 0, "open");
    /* ASCII: "OK". */
    check_lengths(h, "MAILEND", NULL, LNC_OK);
    /* An error text echoing two-, three- and four-byte characters. */
    check_lengths(h, "MAIL\xc3\xa9\xe2\x82\xac\xf0\x9f\x93\xa7X", NULL, LNC_UNKNOWN_COMMAND);
    /* A sequence error. */
    check_lengths(h, "MAILSEND", NULL, LNC_SEQUENCE);
    /* The C layer's own error text. */
    check_lengths(h + 1000, "MAILEND", NULL, LNC_INVALID_ARGUMENT);
    CHECK(lnc_close(h) == LNC_OK, "close");
    printf("truncation ok\n");
    return 0;
}
