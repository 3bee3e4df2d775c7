/* lnc_cmd_fixed with fields as CL, RPG and COBOL pass them: fixed lengths, blank-padded, no
 * NUL anywhere; the result comes back blank-padded to its field's length with no NUL.
 * Usage: fixed DIR */
#include "check.h"

/* A blank-padded field of N bytes, as `char field[N]` in COBOL's PIC X(N). */
#define FIELD(name, n, text)                          \
    char name[n];                                     \
    memset(name, ' ', n);                             \
    memcpy(name, text, strlen(text) < n ? strlen(text) : n)

static int32_t call(int32_t h, const char *cmd, size_t cl, const char *p1, size_t l1, const char *p2, size_t l2,
                    char *res, size_t rl) {
    char opt[10];
    memset(opt, ' ', sizeof opt);
    return lnc_cmd_fixed(h, cmd, cl, opt, sizeof opt, p1, l1, p2, l2, res, rl);
}

int main(int argc, char **argv) {
    if (argc != 2) FAIL("usage: fixed DIR");
    int32_t h = lnc_open();
    CHECK(h > 0, "open");
    char res[256];

    char props[512];
    snprintf(props, sizeof props, "Server=\"file:%s/outbox\";Sender=\"me@example.com\"", argv[1]);
    FIELD(cmd, 10, "MAILSMTP");
    FIELD(p1, 512, props);
    FIELD(p2, 256, "");
    memset(res, '#', sizeof res);
    int32_t rc = call(h, cmd, sizeof cmd, p1, sizeof p1, p2, sizeof p2, res, 100);
    CHECK(rc == LNC_OK, "MAILSMTP gave %d: %.100s", rc, res);
    CHECK(memcmp(res, "OK", 2) == 0, "%.100s", res);
    for (int i = 2; i < 100; i++) CHECK(res[i] == ' ', "byte %d of the result is not a blank", i);
    CHECK(res[100] == '#', "written past the result field");

    /* Leading blanks in the command name are ignored too; in a parameter they are kept. */
    FIELD(prep, 10, "  mailprep");
    FIELD(to, 64, "you@example.com");
    FIELD(subj, 64, "subject=\"fixed fields\"");
    CHECK(call(h, prep, sizeof prep, to, sizeof to, subj, sizeof subj, res, sizeof res) == LNC_OK, "%.80s", res);
    FIELD(text, 10, "MAILTEXT");
    FIELD(line, 80, "   indented line");
    CHECK(call(h, text, sizeof text, line, sizeof line, NULL, 0, res, sizeof res) == LNC_OK, "%.80s", res);
    /* A field that fills its whole length, no padding at all. */
    CHECK(call(h, text, sizeof text, "exactly", 7, NULL, 0, res, sizeof res) == LNC_OK, "%.80s", res);
    /* A field of blanks only is "not given". */
    FIELD(blank, 40, "");
    FIELD(to_cmd, 10, "MAILTO");
    CHECK(call(h, to_cmd, sizeof to_cmd, blank, sizeof blank, NULL, 0, res, sizeof res) == LNC_MISSING_PROPERTY,
          "%.80s", res);
    CHECK(memcmp(res, "E4 MAILTO needs PARM1", 21) == 0, "%.80s", res);

    FIELD(send, 10, "MAILSEND");
    CHECK(call(h, send, sizeof send, NULL, 0, NULL, 0, res, sizeof res) == LNC_OK, "%.80s", res);
    CHECK(memcmp(res, "OK ", 3) == 0, "%.80s", res);
    /* The result is the path of the .eml, blank-padded. */
    char path[sizeof res + 1];
    memcpy(path, res + 3, sizeof res - 3);
    path[sizeof res - 3] = 0;
    for (size_t i = strlen(path); i > 0 && path[i - 1] == ' '; i--) path[i - 1] = 0;
    char *msg = read_file(path);
    CHECK(strstr(msg, "Subject: fixed fields"), "subject");
    CHECK(strstr(msg, "\r\n   indented line\r\nexactly\r\n") || strstr(msg, "\n   indented line\nexactly\n"),
          "body lines:\n%s", msg);
    free(msg);

    FIELD(end, 10, "MAILEND");
    CHECK(call(h, end, sizeof end, NULL, 0, NULL, 0, res, 2) == LNC_OK, "end");
    CHECK(memcmp(res, "OK", 2) == 0, "end");
    CHECK(lnc_close(h) == LNC_OK, "close");
    printf("fixed ok\n");
    return 0;
}
