/*
 * broadcast-sub: the receiving side of bench/broadcast.mjs (issue 6). An epoll WebSocket client,
 * single-threaded, no dependencies; build: cc -O2 -o broadcast-sub broadcast-sub.c
 * (the connection, handshake, frame and parser code it shares with loadgen.c: ws-client.h)
 *
 *   broadcast-sub --port P [--host 127.0.0.1] [--conns N] [--server-pid PID]
 *
 * Opens N member connections (GET /sub, at most 256 handshakes at a time) and then one control
 * connection (GET /control) to a broadcast server (bench/broadcast-server.mjs), and prints
 * {"ready":true,...} once all are open. Then, for every line `go SIZE` on stdin, one broadcast:
 *
 *   t0   = just before the write() of the control frame "go SIZE" (a masked text frame) on the
 *          control connection. The server broadcasts SIZE binary bytes to its members when that
 *          frame arrives and answers "done MEMBERS NS" on the control connection (NS: from the
 *          "go" message event to the end of the tick that issued every member's write).
 *   each member's receipt = when the last byte of its message has been parsed (after the read()
 *          that delivered it), CLOCK_MONOTONIC, same clock as t0.
 *   trigger→last = last receipt − t0: the time until every member has the message (the figure
 *          the benchmark reports); also trigger→first and trigger→median.
 *
 * One JSON line per broadcast: the receipt times (µs), how many members got it (each message must
 * be one binary message of exactly SIZE bytes), the server's answer, and CPU time over [t0, last
 * receipt] of this process (CLOCK_PROCESS_CPUTIME_ID) and of the server (sum of
 * /proc/PID/task/TID/schedstat, ns precision), so a reader can see that the receiving side is
 * not the bottleneck. After 10 s without every receipt the line says "timeout":true.
 * EOF on stdin (or SIGTERM) closes every connection with RST (SO_LINGER 0: no TIME_WAIT).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>

#include "ws-client.h"

#define MAX_PENDING 256
#define MAX_EVENTS 1024

typedef struct {
  ws_conn ws; /* first: the epoll data pointer is both */
  int control;
  unsigned long got; /* complete data messages received */
  /* control answers: the text of the last message */
  char text[128];
  int text_len;
} conn_t;

static int nconns = 1000, server_pid = 0;
static conn_t *conns; /* nconns members, then the control connection */

/* the broadcast in progress */
static int measuring = 0;
static uint64_t expect_size = 0;
static unsigned long generation = 0; /* messages each member should have after this broadcast */
static uint64_t *receipt;            /* per member, ns since t0 */
static int received = 0, bad = 0, server_done = 0;
static char server_answer[128] = "";

static uint64_t cpu_self_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPU time of every thread of `pid` (first field of /proc/PID/task/TID/schedstat, ns). */
static int64_t cpu_of_ns(int pid) {
  if (pid <= 0) return -1;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR *d = opendir(path);
  if (!d) return -1;
  int64_t total = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char file[300], line[128];
    snprintf(file, sizeof file, "/proc/%d/task/%s/schedstat", pid, e->d_name);
    int fd = open(file, O_RDONLY);
    if (fd < 0) continue;
    ssize_t n = read(fd, line, sizeof line - 1);
    close(fd);
    if (n <= 0) continue;
    line[n] = 0;
    total += strtoll(line, NULL, 10);
  }
  closedir(d);
  return total;
}

/* ws-client.h's hook: the 101 is all a member needs. */
static int ws_upgraded(ws_conn *w, char *head) {
  (void)w;
  (void)head;
  return 0;
}

static void ws_message_begin(ws_conn *w) {
  ((conn_t *)w)->text_len = 0;
}

/* ws-client.h's hook: the control connection keeps the text of its messages. */
static void ws_data(ws_conn *w, const unsigned char *p, size_t n) {
  conn_t *c = (conn_t *)w;
  if (!c->control) return;
  for (size_t k = 0; k < n && c->text_len < (int)sizeof c->text - 1; k++) c->text[c->text_len++] = (char)p[k];
}

/* ws-client.h's hook: a member's message (or the control connection's answer) is complete. */
static void ws_message_end(ws_conn *w) {
  conn_t *c = (conn_t *)w;
  if (c->control) {
    c->text[c->text_len < (int)sizeof c->text ? c->text_len : (int)sizeof c->text - 1] = 0;
    if (measuring && strncmp(c->text, "done", 4) == 0) {
      snprintf(server_answer, sizeof server_answer, "%s", c->text);
      server_done = 1;
    }
    c->text_len = 0;
    return;
  }
  c->got++;
  if (!measuring) return;
  if (w->opcode != 2 || w->msg_len != expect_size || c->got != generation) {
    bad++;
    return;
  }
  receipt[c - conns] = now_ns();
  received++;
}

static char request[256], control_request[256];
static int request_len, control_request_len;

static int poll_once(int timeout_ms, unsigned char *buf) {
  struct epoll_event events[MAX_EVENTS];
  int n = epoll_wait(wsc.epfd, events, MAX_EVENTS, timeout_ms);
  for (int i = 0; i < n; i++) ws_handle(events[i].data.ptr, events[i].events, buf);
  return n;
}

/* Send a masked text frame (payload < 126 bytes) on the control connection, whole. */
static int send_control(const char *text) {
  conn_t *c = &conns[nconns];
  size_t len = strlen(text);
  unsigned char frame[2 + 4 + 125];
  static const unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
  size_t n = ws_client_frame(frame, 0x81, (const unsigned char *)text, len, key);
  ssize_t w = write(c->ws.fd, frame, n);
  return w == (ssize_t)n ? 0 : -1;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void broadcast_once(uint64_t size, unsigned char *buf) {
  char text[64];
  snprintf(text, sizeof text, "go %llu", (unsigned long long)size);
  expect_size = size;
  generation++;
  received = 0;
  bad = 0;
  server_done = 0;
  server_answer[0] = 0;
  measuring = 1;
  int alive = 0;
  for (int i = 0; i < nconns; i++) {
    receipt[i] = 0;
    if (conns[i].ws.state == ST_OPEN) alive++;
  }
  int64_t server_cpu0 = cpu_of_ns(server_pid);
  uint64_t self_cpu0 = cpu_self_ns();
  uint64_t t0 = now_ns();
  if (send_control(text) != 0) {
    printf("{\"error\":\"control write failed\"}\n");
    fflush(stdout);
    measuring = 0;
    return;
  }
  uint64_t deadline = t0 + 10000000000ull;
  uint64_t t_last = 0;
  while ((received + bad < alive) && now_ns() < deadline && !ws_stop) poll_once(100, buf);
  t_last = now_ns();
  uint64_t self_cpu1 = cpu_self_ns();
  int64_t server_cpu1 = cpu_of_ns(server_pid);
  /* the server's answer may come after the last member's message */
  while (!server_done && now_ns() < deadline && !ws_stop) poll_once(100, buf);
  measuring = 0;
  /* receipt times, sorted */
  uint64_t *times = malloc(sizeof *times * (size_t)(received ? received : 1));
  int k = 0;
  for (int i = 0; i < nconns; i++)
    if (receipt[i]) times[k++] = receipt[i] - t0;
  qsort(times, (size_t)k, sizeof *times, cmp_u64);
  double first = k ? times[0] / 1000.0 : 0, median = k ? times[k / 2] / 1000.0 : 0, p99 = k ? times[(k * 99) / 100 < k ? (k * 99) / 100 : k - 1] / 1000.0 : 0;
  double last = k ? times[k - 1] / 1000.0 : 0;
  free(times);
  printf("{\"size\":%llu,\"alive\":%d,\"received\":%d,\"bad\":%d,\"timeout\":%s,\"first_us\":%.1f,\"median_us\":%.1f,\"p99_us\":%.1f,"
         "\"last_us\":%.1f,\"window_us\":%.1f,\"sub_cpu_us\":%.1f,\"server_cpu_us\":%.1f,\"server\":\"%s\"}\n",
         (unsigned long long)size, alive, received, bad, received + bad < alive ? "true" : "false", first, median, p99, last,
         (t_last - t0) / 1000.0, (self_cpu1 - self_cpu0) / 1000.0,
         server_cpu0 >= 0 && server_cpu1 >= 0 ? (server_cpu1 - server_cpu0) / 1000.0 : -1.0, server_answer);
  fflush(stdout);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (v == NULL) goto usage;
    if (!strcmp(a, "--port")) wsc.port = atoi(v);
    else if (!strcmp(a, "--host")) wsc.host = v;
    else if (!strcmp(a, "--conns")) nconns = atoi(v);
    else if (!strcmp(a, "--server-pid")) server_pid = atoi(v);
    else goto usage;
    i++;
  }
  if (wsc.port <= 0 || nconns < 1) goto usage;
  ws_signals();
  request_len = ws_upgrade_request(request, sizeof request, "/sub", "");
  control_request_len = ws_upgrade_request(control_request, sizeof control_request, "/control", "");
  conns = calloc((size_t)nconns + 1, sizeof *conns);
  receipt = calloc((size_t)nconns, sizeof *receipt);
  conns[nconns].control = 1;
  unsigned char *buf = malloc(WS_READ_BUF);
  wsc.epfd = epoll_create1(EPOLL_CLOEXEC);
  uint64_t start = now_ns();
  int next = 0;
  /* members first, then the control connection */
  while (!ws_stop && (next <= nconns || wsc.pending > 0)) {
    while (next <= nconns && wsc.pending < MAX_PENDING && (next < nconns || wsc.pending == 0)) {
      conn_t *c = &conns[next++];
      if (c->control) ws_open(&c->ws, control_request, control_request_len);
      else ws_open(&c->ws, request, request_len);
    }
    poll_once(100, buf);
    if (now_ns() - start > 60000000000ull) break;
  }
  int control_ok = conns[nconns].ws.state == ST_OPEN;
  printf("{\"ready\":%s,\"conns\":%d,\"connected\":%d,\"failed\":%d,\"connect_s\":%.3f%s}\n",
         control_ok && wsc.handshaken == nconns + 1 ? "true" : "false", nconns, wsc.handshaken - control_ok, wsc.failed,
         (now_ns() - start) / 1e9, ws_first_error_json());
  fflush(stdout);
  if (!control_ok) return 1;

  /* commands on stdin; connections are served (pings, stray data) between them */
  char line[256];
  size_t line_len = 0;
  while (!ws_stop) {
    struct pollfd pfd = {.fd = 0, .events = POLLIN};
    int ready = poll(&pfd, 1, 0);
    if (ready <= 0) {
      poll_once(20, buf);
      continue;
    }
    ssize_t r = read(0, line + line_len, sizeof line - 1 - line_len);
    if (r <= 0) break;
    line_len += (size_t)r;
    line[line_len] = 0;
    char *nl;
    while ((nl = strchr(line, '\n')) != NULL) {
      *nl = 0;
      unsigned long long size;
      if (sscanf(line, "go %llu", &size) == 1) broadcast_once(size, buf);
      else if (!strcmp(line, "quit")) ws_stop = 1;
      size_t used = (size_t)(nl + 1 - line);
      memmove(line, nl + 1, line_len - used);
      line_len -= used;
      line[line_len] = 0;
    }
  }
  for (int i = 0; i <= nconns; i++) ws_reset(&conns[i].ws);
  return 0;
usage:
  fprintf(stderr, "usage: broadcast-sub --port P [--host H] [--conns N] [--server-pid PID]\n");
  return 2;
}
