/* Sends one message through liblncmail with the file: transport (no server needed): the
 * message is written as an .eml file into the folder given as argument (default ./outbox).
 *
 *   cc send.c $(pkg-config --cflags --libs lncmail) -o send && ./send outbox
 */
#include <stdio.h>

#include <lncmail.h>

/* Runs one command and prints its result; returns its code. */
static int32_t run(int32_t h, const char *cmd, const char *parm1, const char *parm2) {
    char result[1024];
    int32_t code = lnc_cmd(h, cmd, NULL, parm1, parm2, result, sizeof result);
    printf("%-8s -> %d %s\n", cmd, code, result);
    return code;
}

int main(int argc, char **argv) {
    const char *outbox = argc > 1 ? argv[1] : "outbox";
    char smtp[1024];
    snprintf(smtp, sizeof smtp, "Server=\"file:%s\";Sender=\"Jean Dupont <jean@example.com>\"", outbox);

    int32_t h = lnc_open();
    if (h < 0) {
        fprintf(stderr, "lnc_open: %s\n", lnc_strerror(-h));
        return 1;
    }
    int32_t code = run(h, "MAILSMTP", smtp, NULL);
    if (code == LNC_OK) code = run(h, "MAILPREP", "Marie Curie <marie@example.org>", "subject=\"Monthly report\"");
    if (code == LNC_OK) code = run(h, "MAILTEXT", "Hello Marie,", NULL);
    if (code == LNC_OK) code = run(h, "MAILTEXT", "the report is ready.", NULL);
    if (code == LNC_OK) code = run(h, "MAILSEND", NULL, NULL);
    if (code != LNC_OK) fprintf(stderr, "failed: %s\n", lnc_strerror(code));
    run(h, "MAILEND", NULL, NULL);
    lnc_close(h);
    return code == LNC_OK ? 0 : 1;
}
