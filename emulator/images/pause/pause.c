/*
 * The pause container of an awsvpc task, and the task's metadata endpoint v4.
 *
 * Why it exists: every container of an awsvpc task joins this container's network
 * namespace, so it must start fast and cost nothing while it waits; and serving on
 * 127.0.0.1:51679 here is serving to the whole task, like the ECS agent's 169.254.170.2.
 * One static binary, no libc calls that need files at run time (no NSS, no locale).
 *
 * ecsdev writes /ecsdev/metadata.json (emulator/metadata.py `encode`): line 1 is the
 * task's JSON; then, for each container, its name on one line and its JSON on the next.
 * Routes:  /v4/<container>             that container's JSON
 *          /v4/<container>/task        the task's JSON
 *          /v4/<container>/stats       307 to the agent's (Docker's stats JSON)
 *          /v4/<container>/task/stats  307 to the agent's (every container's)
 * The agent at 169.254.170.2 (emulator/agent) serves the stats; ecsdev writes its URL for
 * this task, http://169.254.170.2/v4/<token>, to /ecsdev/agent (no file: 404).
 * Until the file exists (the task's first step writes it) a request waits up to 3 s.
 * When the port is taken (the app itself listens on it) it stays a plain pause process.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PORT 51679
#define PATH "/ecsdev/metadata.json"
#define MAX_FILE (8 << 20)
#define AGENT "/ecsdev/agent"

static void bye(int sig) { (void)sig; _exit(0); }

static void send_all(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        p += w;
        n -= (size_t)w;
    }
}

static void respond(int fd, int status, const char *body, size_t len) {
    char head[256];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                     status, status == 200 ? "OK" : "Not Found", len);
    send_all(fd, head, (size_t)n);
    send_all(fd, body, len);
}

/* 307 to the agent's stats of this task: Location <url in AGENT>-<name>/<rest> */
static void redirect(int fd, const char *name, const char *rest) {
    static const char nf[] = "{\"error\": \"no stats here\"}";
    char url[256];
    int f = open(AGENT, O_RDONLY);
    ssize_t n = f >= 0 ? read(f, url, sizeof url - 1) : -1;
    if (f >= 0) close(f);
    if (n <= 0) { respond(fd, 404, nf, sizeof nf - 1); return; }
    url[n] = 0;
    url[strcspn(url, "\r\n")] = 0;
    char head[1024];
    int h = snprintf(head, sizeof head,
                     "HTTP/1.1 307 Temporary Redirect\r\nLocation: %s-%s/%s\r\n"
                     "Content-Length: 0\r\nConnection: close\r\n\r\n",
                     url, name, rest);
    if (h > 0 && (size_t)h < sizeof head) send_all(fd, head, (size_t)h);
    else respond(fd, 404, nf, sizeof nf - 1);
}

static char *load(size_t *len) {
    for (int tries = 0; tries < 150; tries++) {
        int fd = open(PATH, O_RDONLY);
        if (fd >= 0) {
            struct stat st;
            char *buf = NULL;
            if (fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size < MAX_FILE &&
                (buf = malloc((size_t)st.st_size + 1)) != NULL) {
                size_t got = 0;
                ssize_t r;
                while (got < (size_t)st.st_size &&
                       (r = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
                    got += (size_t)r;
                buf[got] = 0;
                close(fd);
                if (got > 0 && buf[got - 1] == '\n') { /* whole: it ends with a newline */
                    *len = got;
                    return buf;
                }
                free(buf);
                buf = NULL;
                fd = -1;
            }
            free(buf);
            if (fd >= 0) close(fd);
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

/* the line that starts at p, cut at its newline; returns the next line or NULL */
static char *line_end(char *p) {
    char *nl = strchr(p, '\n');
    if (nl == NULL) return NULL;
    *nl = 0;
    return nl + 1;
}

static void serve(int fd) {
    char req[4096];
    size_t got = 0;
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    while (got < sizeof req - 1) {
        ssize_t r = read(fd, req + got, sizeof req - 1 - got);
        if (r <= 0) break;
        got += (size_t)r;
        req[got] = 0;
        if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n")) break;
    }
    req[got] = 0;
    static const char nf[] = "{\"error\": \"not found\"}";
    char *path = strchr(req, ' ');
    if (strncmp(req, "GET ", 4) != 0 || path == NULL) { respond(fd, 404, nf, sizeof nf - 1); return; }
    path++;
    path[strcspn(path, " ?#\r\n")] = 0;
    if (strncmp(path, "/v4/", 4) != 0) { respond(fd, 404, nf, sizeof nf - 1); return; }
    char *name = path + 4, *rest = strchr(name, '/');
    int want_task = 0;
    if (rest != NULL) {
        *rest++ = 0;
        size_t n = strlen(rest);
        while (n > 0 && rest[n - 1] == '/') rest[--n] = 0;
        if (strcmp(rest, "task") == 0) want_task = 1;
        else if (strcmp(rest, "stats") == 0 || strcmp(rest, "task/stats") == 0) {
            redirect(fd, name, rest);
            return;
        } else if (n > 0) { respond(fd, 404, nf, sizeof nf - 1); return; }
    }
    size_t len = 0;
    char *doc = load(&len);
    if (doc == NULL) { respond(fd, 404, nf, sizeof nf - 1); return; }
    char *task = doc, *p = line_end(doc);
    while (p != NULL && *p) {
        char *json = line_end(p);
        if (json == NULL) break;
        char *next = line_end(json);
        if (strcmp(p, name) == 0) {
            const char *body = want_task ? task : json;
            respond(fd, 200, body, strlen(body));
            free(doc);
            return;
        }
        p = next;
    }
    free(doc);
    respond(fd, 404, nf, sizeof nf - 1);
}

int main(void) {
    signal(SIGTERM, bye);
    signal(SIGINT, bye);
    signal(SIGCHLD, SIG_IGN); /* children are reaped by the kernel */
    signal(SIGPIPE, SIG_IGN);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(PORT);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 64) != 0) {
        for (;;) pause(); /* the port is the app's: stay a plain pause container */
    }
    for (;;) {
        int c = accept(s, NULL, NULL);
        if (c < 0) continue;
        pid_t pid = fork();
        if (pid == 0) {
            close(s);
            serve(c);
            close(c);
            _exit(0);
        }
        close(c);
    }
}
