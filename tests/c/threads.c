/* Threads: 8 threads, each with its own handles, send N messages each (in parallel, to one
 * outbox and one send log); then 2 threads share one handle and their calls are serialized;
 * then a handle is closed while another thread is using it.
 * Usage: threads DIR N  (the Rust test passes a smaller N under valgrind, which is slow) */
#include <dirent.h>
#include <sched.h>
#include <pthread.h>
#include <stdatomic.h>

#include "check.h"

#define THREADS 8
#define PER_HANDLE 25 /* messages before a thread closes its handle and opens a new one */

static const char *dir;
static int per_thread;

static int32_t open_configured(void) {
    char props[1024];
    int32_t h = lnc_open();
    CHECK(h > 0, "open gave %d", h);
    snprintf(props, sizeof props, "Server=\"file:%s/outbox\";Sender=\"me@example.com\";logfile=\"%s/log.csv\"",
             dir, dir);
    CMD(h, "MAILSMTP", props, NULL, LNC_OK);
    return h;
}

static void *sender(void *arg) {
    int id = (int)(size_t)arg;
    int32_t h = open_configured();
    for (int i = 0; i < per_thread; i++) {
        if (i > 0 && i % PER_HANDLE == 0) {
            CHECK(lnc_close(h) == LNC_OK, "close");
            h = open_configured();
        }
        char subj[64], to[64];
        snprintf(subj, sizeof subj, "subject=\"thread %d message %d\"", id, i);
        snprintf(to, sizeof to, "t%d.m%d@example.com", id, i);
        CMD(h, "MAILPREP", to, subj, LNC_OK);
        CMD(h, "MAILTEXT", "Hello from a thread.", NULL, LNC_OK);
        char *r = CMD(h, "MAILSEND", NULL, NULL, LNC_OK);
        CHECK(strstr(r, ".eml") != NULL, "%s", r);
    }
    CMD(h, "MAILEND", NULL, NULL, LNC_OK);
    CHECK(lnc_close(h) == LNC_OK, "close");
    return NULL;
}

struct shared {
    int32_t handle;
    char tag;
    int lines;
};

static void *writer(void *arg) {
    struct shared *s = arg;
    for (int i = 0; i < s->lines; i++) {
        char line[32];
        snprintf(line, sizeof line, "%c%05d", s->tag, i);
        CMD(s->handle, "MAILTEXT", line, NULL, LNC_OK);
    }
    return NULL;
}

static atomic_int calls_before_close;

/* Uses a handle until it is closed under it: every call gives 0 until one gives 14 (closed
 * handle); after that every call gives 14. */
static void *user(void *arg) {
    int32_t h = *(int32_t *)arg;
    char r[512];
    for (;;) {
        int32_t rc = lnc_cmd(h, "MAILPREP", NULL, "late@example.com", NULL, r, sizeof r);
        if (rc == LNC_INVALID_ARGUMENT) break;
        CHECK(rc == LNC_OK, "MAILPREP gave %d: %s", rc, r);
        rc = lnc_cmd(h, "MAILTEXT", NULL, "text", NULL, r, sizeof r);
        if (rc == LNC_INVALID_ARGUMENT) break;
        CHECK(rc == LNC_OK, "MAILTEXT gave %d: %s", rc, r);
        atomic_fetch_add(&calls_before_close, 1);
    }
    CHECK(strstr(r, "unknown or closed handle") != NULL, "%s", r);
    for (int i = 0; i < 10; i++)
        CHECK(lnc_cmd(h, "MAILEND", NULL, NULL, NULL, r, sizeof r) == LNC_INVALID_ARGUMENT, "after close: %s", r);
    return NULL;
}

static int count_files(const char *path, const char *suffix) {
    DIR *d = opendir(path);
    if (!d) FAIL("cannot open %s", path);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name), sl = strlen(suffix);
        if (len > sl && strcmp(e->d_name + len - sl, suffix) == 0) n++;
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv) {
    if (argc != 3) FAIL("usage: threads DIR N");
    dir = argv[1];
    per_thread = atoi(argv[2]);
    CHECK(per_thread > 0, "N");

    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) CHECK(pthread_create(&t[i], NULL, sender, (void *)(size_t)i) == 0, "create");
    for (int i = 0; i < THREADS; i++) pthread_join(t[i], NULL);
    char path[1024];
    snprintf(path, sizeof path, "%s/outbox", dir);
    int files = count_files(path, ".eml");
    CHECK(files == THREADS * per_thread, "%d messages written, want %d", files, THREADS * per_thread);
    snprintf(path, sizeof path, "%s/log.csv", dir);
    char *log = read_file(path);
    int lines = 0, sent = 0;
    for (char *p = log; *p; p++) lines += *p == '\n';
    for (char *p = log; (p = strstr(p, ";SENT;0;")) != NULL; p++) sent++;
    CHECK(lines == THREADS * per_thread + 1, "log has %d lines, want %d", lines, THREADS * per_thread + 1);
    CHECK(sent == THREADS * per_thread, "log has %d SENT rows", sent);
    free(log);

    /* Two threads share one handle: each MAILTEXT call is serialized, none is lost. */
    int32_t h = open_configured();
    CMD(h, "MAILPREP", "shared@example.com", "subject=\"shared handle\"", LNC_OK);
    struct shared a = {h, 'A', per_thread * 4}, b = {h, 'B', per_thread * 4};
    pthread_t ta, tb;
    CHECK(pthread_create(&ta, NULL, writer, &a) == 0, "create");
    CHECK(pthread_create(&tb, NULL, writer, &b) == 0, "create");
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    char *r = CMD(h, "MAILSEND", NULL, NULL, LNC_OK);
    char *msg = read_file(r + 3);
    for (int i = 0; i < a.lines; i++) {
        char token[32];
        for (int k = 0; k < 2; k++) {
            snprintf(token, sizeof token, "\n%c%05d\r", k ? 'B' : 'A', i);
            char *first = strstr(msg, token);
            CHECK(first != NULL, "line %s missing", token + 1);
            CHECK(strstr(first + 1, token) == NULL, "line %s twice", token + 1);
        }
    }
    free(msg);
    CHECK(lnc_close(h) == LNC_OK, "close");

    /* A handle closed while another thread is using it. */
    int32_t used = open_configured();
    pthread_t tu;
    CHECK(pthread_create(&tu, NULL, user, &used) == 0, "create");
    while (atomic_load(&calls_before_close) < 20) sched_yield();
    CHECK(lnc_close(used) == LNC_OK, "close while in use");
    pthread_join(tu, NULL);

    printf("threads ok: %d threads x %d messages, 2 threads x %d calls on one handle\n", THREADS, per_thread, a.lines);
    return 0;
}
