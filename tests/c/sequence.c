/* The full command sequence through the C ABI, with every message command, on the file:
 * transport; then MAILEND keeps the handle usable. Usage: sequence DIR */
#include "check.h"

int main(int argc, char **argv) {
    if (argc != 2) FAIL("usage: sequence DIR");
    const char *dir = argv[1];
    char path[1024], props[2048];

    snprintf(path, sizeof path, "%s/report.csv", dir);
    FILE *f = fopen(path, "w");
    if (!f) FAIL("cannot create %s", path);
    fputs("month;total\nnovember;42\n", f);
    fclose(f);

    int32_t h = lnc_open();
    CHECK(h > 0, "lnc_open gave %d", h);

    CMD(h, "MAILPREP", "you@example.com", NULL, LNC_SEQUENCE);
    snprintf(props, sizeof props,
             "Server=\"file:%s/outbox\";Sender=\"Jean Dupont <jean@example.com>\";logfile=\"%s/log.csv\"",
             dir, dir);
    CMD(h, "MAILSMTP", props, NULL, LNC_OK);
    CMD(h, "mailprep", "Marie Curie <marie@example.org>", "subject=\"Rapport de novembre\";priority=4", LNC_OK);
    CMD(h, "MAILTO", "paul@example.org", NULL, LNC_OK);
    CMD(h, "MAILCC", "accounting@example.org", NULL, LNC_OK);
    CMD(h, "MAILBCC", "archive@example.org", NULL, LNC_OK);
    CMD(h, "MAILSUBJ", "Monthly report \xe2\x80\x93 November", NULL, LNC_OK);
    CMD(h, "MAILTEXT", "Hello Marie,", NULL, LNC_OK);
    CMD(h, "MAILTEXT", "Please find the report attached.", NULL, LNC_OK);
    CMD(h, "MAILHTML", "<p>Please find the <b>report</b> attached.</p>", NULL, LNC_OK);
    CMD(h, "MAILATT", path, "name=\"report-2026-11.csv\"", LNC_OK);
    CMD(h, "MAILPRTY", "*HIGH", NULL, LNC_OK);
    CMD(h, "MAILREPORT", "read", NULL, LNC_OK);
    CMD(h, "MAILHEADER", "X-Batch: 17", NULL, LNC_OK);
    CMD(h, "MAILHEADER", "Subject: injected", NULL, LNC_INVALID_PROPERTY);
    CMD(h, "MAILSMTP", props, NULL, LNC_SEQUENCE);

    char *sent = CMD(h, "MAILSEND", NULL, NULL, LNC_OK);
    CHECK(strncmp(sent, "OK ", 3) == 0, "%s", sent);
    char eml[1024];
    snprintf(eml, sizeof eml, "%s", sent + 3);
    CHECK(strstr(eml, "/outbox/") != NULL && strstr(eml, ".eml") != NULL, "%s", eml);
    char *msg = read_file(eml);
    CHECK(strstr(msg, "From: \"Jean Dupont\" <jean@example.com>") || strstr(msg, "From: Jean Dupont <jean@example.com>"),
          "no From in\n%s", msg);
    CHECK(strstr(msg, "marie@example.org") && strstr(msg, "paul@example.org"), "no To");
    CHECK(strstr(msg, "Cc: accounting@example.org"), "no Cc");
    CHECK(strstr(msg, "archive@example.org") == NULL, "Bcc leaked into the headers");
    CHECK(strstr(msg, "Subject: Monthly report =?utf-8?b?4oCT?= November"), "subject not RFC 2047-encoded:\n%s", msg);
    CHECK(strstr(msg, "X-Batch: 17"), "no custom header");
    CHECK(strstr(msg, "X-Priority: 1") || strstr(msg, "X-Priority: 2"), "no priority");
    CHECK(strstr(msg, "Disposition-Notification-To:"), "no read report");
    CHECK(strstr(msg, "report-2026-11.csv"), "no attachment");
    CHECK(strstr(msg, "multipart/mixed"), "not multipart/mixed");
    CHECK(strstr(msg, "multipart/alternative"), "text and HTML not alternative");
    free(msg);

    /* After a send the session is READY again: a message command needs MAILPREP. */
    CMD(h, "MAILTEXT", "late", NULL, LNC_SEQUENCE);
    CMD(h, "MAILSEND", NULL, NULL, LNC_SEQUENCE);

    /* MAILEND returns to NEW but does not close the handle. */
    CMD(h, "MAILEND", NULL, NULL, LNC_OK);
    CMD(h, "MAILPREP", "you@example.com", NULL, LNC_SEQUENCE);
    CMD(h, "MAILSMTP", props, NULL, LNC_OK);
    CMD(h, "MAILPREP", "you@example.com", "subject=\"second\"", LNC_OK);
    CMD(h, "MAILTEXT", "second message", NULL, LNC_OK);
    CMD(h, "MAILSEND", NULL, NULL, LNC_OK);
    CMD(h, "MAILEND", NULL, NULL, LNC_OK);
    CMD(h, "MAILEND", NULL, NULL, LNC_OK);

    /* Session errors come through with their own codes. */
    CMD(h, "MAILFOO", NULL, NULL, LNC_UNKNOWN_COMMAND);
    CMD(h, "MAILSMTP", "Server=\"file:x", NULL, LNC_SYNTAX);
    CMD(h, "MAILSMTP", "Sender=\"me@example.com\"", NULL, LNC_MISSING_PROPERTY);
    CMD(h, "MAILSMTP", "Server=\"file:x\";Sender=\"me@example.com\";prot=25", NULL, LNC_INVALID_PROPERTY);

    CHECK(lnc_close(h) == LNC_OK, "close");

    snprintf(path, sizeof path, "%s/log.csv", dir);
    char *log = read_file(path);
    int rows = 0;
    for (char *p = log; *p; p++) rows += *p == '\n';
    CHECK(rows == 3, "log has %d lines, want a header and 2 rows:\n%s", rows, log);
    free(log);
    printf("sequence ok\n");
    return 0;
}
