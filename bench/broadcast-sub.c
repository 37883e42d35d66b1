/*
 * broadcast-sub: the receiving side of bench/broadcast.mjs (issue 6). An epoll WebSocket client,
 * single-threaded, no dependencies; build: cc -O2 -o broadcast-sub broadcast-sub.c
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
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READ_BUF (256 * 1024)
#define MAX_PENDING 256
#define MAX_EVENTS 1024

enum { ST_CONNECTING, ST_HANDSHAKE, ST_OPEN, ST_DEAD };

typedef struct {
  int fd, state, control;
  int req_off;
  char resp[1024];
  int resp_len;
  /* frame parser */
  unsigned char hdr[14];
  int hdr_len;
  uint64_t payload_left;
  int in_frame, opcode, ctl;
  uint64_t msg_len;
  unsigned long got; /* complete data messages received */
  /* control answers: the text of the last message */
  char text[128];
  int text_len;
} conn_t;

static const char *host = "127.0.0.1";
static int port = 0, nconns = 1000, server_pid = 0;
static conn_t *conns; /* nconns members, then the control connection */
static int epfd;
static int opened = 0, open_ok = 0, failed = 0, pending = 0;
static char first_error[256] = "";
static volatile sig_atomic_t stop_flag = 0;

/* the broadcast in progress */
static int measuring = 0;
static uint64_t expect_size = 0;
static unsigned long generation = 0; /* messages each member should have after this broadcast */
static uint64_t *receipt;            /* per member, ns since t0 */
static int received = 0, bad = 0, server_done = 0;
static char server_answer[128] = "";

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

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

static void note_error(const char *what, int err) {
  if (first_error[0] == 0) snprintf(first_error, sizeof first_error, "%s: %s", what, err ? strerror(err) : "protocol");
}

static void kill_conn(conn_t *c, const char *what, int err) {
  if (c->state == ST_DEAD) return;
  if (c->state != ST_OPEN) {
    failed++;
    pending--;
  }
  note_error(what, err);
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->state = ST_DEAD;
}

static void open_conn(conn_t *c) {
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, host, &addr.sin_addr);
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  opened++;
  pending++;
  if (c->fd < 0) {
    note_error("socket", errno);
    c->state = ST_DEAD;
    failed++;
    pending--;
    return;
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->state = ST_CONNECTING;
  if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) {
    note_error("connect", errno);
    close(c->fd);
    c->state = ST_DEAD;
    failed++;
    pending--;
    return;
  }
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
  epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
}

static void member_done(conn_t *c) {
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
  if (c->opcode != 2 || c->msg_len != expect_size || c->got != generation) {
    bad++;
    return;
  }
  receipt[c - conns] = now_ns();
  received++;
}

static void parse(conn_t *c, const unsigned char *p, size_t n) {
  size_t i = 0;
  while (i < n) {
    if (c->in_frame) {
      size_t take = n - i < c->payload_left ? n - i : (size_t)c->payload_left;
      if (c->control && !c->ctl) {
        for (size_t k = 0; k < take && c->text_len < (int)sizeof c->text - 1; k++) c->text[c->text_len++] = (char)p[i + k];
      }
      i += take;
      c->payload_left -= take;
      if (c->payload_left == 0) {
        c->in_frame = 0;
        if ((c->hdr[0] & 0x80) && !c->ctl) member_done(c);
      }
      continue;
    }
    c->hdr[c->hdr_len++] = p[i++];
    if (c->hdr_len < 2) continue;
    int len7 = c->hdr[1] & 0x7f;
    int need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((c->hdr[1] & 0x80) ? 4 : 0);
    if (c->hdr_len < need) continue;
    uint64_t len = (uint64_t)len7;
    if (len7 == 126) len = ((uint64_t)c->hdr[2] << 8) | c->hdr[3];
    if (len7 == 127) {
      len = 0;
      for (int k = 0; k < 8; k++) len = (len << 8) | c->hdr[2 + k];
    }
    c->hdr_len = 0;
    int opcode = c->hdr[0] & 0x0f;
    if (opcode == 8) {
      kill_conn(c, "server sent a close frame", 0);
      return;
    }
    c->ctl = opcode >= 8;
    if (!c->ctl && opcode != 0) {
      c->opcode = opcode;
      c->msg_len = 0;
    }
    if (!c->ctl) c->msg_len += len;
    c->payload_left = len;
    c->in_frame = len > 0;
    if (len == 0 && (c->hdr[0] & 0x80) && !c->ctl) member_done(c);
  }
}

static char request[256], control_request[256];
static int request_len, control_request_len;

static void handle(conn_t *c, uint32_t events, unsigned char *buf) {
  if (c->state == ST_CONNECTING) {
    if (events & (EPOLLERR | EPOLLHUP)) {
      int err = 0;
      socklen_t l = sizeof err;
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
      kill_conn(c, "connect", err);
      return;
    }
    if (!(events & EPOLLOUT)) return;
    c->state = ST_HANDSHAKE;
  }
  if (c->state == ST_HANDSHAKE) {
    const char *req = c->control ? control_request : request;
    int len = c->control ? control_request_len : request_len;
    if (c->req_off < len) {
      ssize_t w = write(c->fd, req + c->req_off, (size_t)(len - c->req_off));
      if (w < 0 && errno != EAGAIN) {
        kill_conn(c, "write request", errno);
        return;
      }
      if (w > 0) c->req_off += (int)w;
      if (c->req_off == len) {
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
        epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
      }
    }
    if (!(events & EPOLLIN)) return;
    ssize_t r = read(c->fd, c->resp + c->resp_len, sizeof c->resp - 1 - (size_t)c->resp_len);
    if (r == 0) {
      kill_conn(c, "closed during handshake", 0);
      return;
    }
    if (r < 0) {
      if (errno != EAGAIN) kill_conn(c, "read response", errno);
      return;
    }
    c->resp_len += (int)r;
    c->resp[c->resp_len] = 0;
    char *end = strstr(c->resp, "\r\n\r\n");
    if (end == NULL) {
      if (c->resp_len >= (int)sizeof c->resp - 1) kill_conn(c, "response too long", 0);
      return;
    }
    if (strncmp(c->resp, "HTTP/1.1 101", 12) != 0) {
      kill_conn(c, "upgrade refused", 0);
      return;
    }
    c->state = ST_OPEN;
    open_ok++;
    pending--;
    size_t rest = (size_t)(c->resp_len - (int)(end + 4 - c->resp));
    if (rest > 0) parse(c, (unsigned char *)end + 4, rest);
    return;
  }
  if (c->state != ST_OPEN) return;
  if (events & EPOLLIN) {
    for (;;) {
      ssize_t r = read(c->fd, buf, READ_BUF);
      if (r > 0) {
        parse(c, buf, (size_t)r);
        if (c->state != ST_OPEN || r < READ_BUF) break;
        continue;
      }
      if (r == 0) {
        kill_conn(c, "server closed the connection", 0);
        return;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) kill_conn(c, "read", errno);
      break;
    }
  } else if (events & (EPOLLERR | EPOLLHUP)) {
    kill_conn(c, "socket error", 0);
  }
}

static int poll_once(int timeout_ms, unsigned char *buf) {
  struct epoll_event events[MAX_EVENTS];
  int n = epoll_wait(epfd, events, MAX_EVENTS, timeout_ms);
  for (int i = 0; i < n; i++) handle(events[i].data.ptr, events[i].events, buf);
  return n;
}

/* Send a masked text frame (payload < 126 bytes) on the control connection, whole. */
static int send_control(const char *text) {
  conn_t *c = &conns[nconns];
  size_t len = strlen(text);
  unsigned char frame[2 + 4 + 125];
  frame[0] = 0x81;
  frame[1] = 0x80 | (unsigned char)len;
  unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
  memcpy(frame + 2, key, 4);
  for (size_t i = 0; i < len; i++) frame[6 + i] = (unsigned char)text[i] ^ key[i & 3];
  ssize_t w = write(c->fd, frame, 6 + len);
  return w == (ssize_t)(6 + len) ? 0 : -1;
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
    if (conns[i].state == ST_OPEN) alive++;
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
  while ((received + bad < alive) && now_ns() < deadline && !stop_flag) poll_once(100, buf);
  t_last = now_ns();
  uint64_t self_cpu1 = cpu_self_ns();
  int64_t server_cpu1 = cpu_of_ns(server_pid);
  /* the server's answer may come after the last member's message */
  while (!server_done && now_ns() < deadline && !stop_flag) poll_once(100, buf);
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

static void on_signal(int sig) {
  (void)sig;
  stop_flag = 1;
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (v == NULL) goto usage;
    if (!strcmp(a, "--port")) port = atoi(v);
    else if (!strcmp(a, "--host")) host = v;
    else if (!strcmp(a, "--conns")) nconns = atoi(v);
    else if (!strcmp(a, "--server-pid")) server_pid = atoi(v);
    else goto usage;
    i++;
  }
  if (port <= 0 || nconns < 1) goto usage;
  signal(SIGPIPE, SIG_IGN);
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
  request_len = snprintf(request, sizeof request,
                         "GET /sub HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                         host, port, key);
  control_request_len = snprintf(control_request, sizeof control_request,
                                 "GET /control HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                 "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n",
                                 host, port, key);
  conns = calloc((size_t)nconns + 1, sizeof *conns);
  receipt = calloc((size_t)nconns, sizeof *receipt);
  conns[nconns].control = 1;
  unsigned char *buf = malloc(READ_BUF);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  uint64_t start = now_ns();
  int next = 0;
  /* members first, then the control connection */
  while (!stop_flag && (next <= nconns || pending > 0)) {
    while (next <= nconns && pending < MAX_PENDING && (next < nconns || pending == 0)) open_conn(&conns[next++]);
    poll_once(100, buf);
    if (now_ns() - start > 60000000000ull) break;
  }
  int control_ok = conns[nconns].state == ST_OPEN;
  printf("{\"ready\":%s,\"conns\":%d,\"connected\":%d,\"failed\":%d,\"connect_s\":%.3f%s%s%s}\n",
         control_ok && open_ok == nconns + 1 ? "true" : "false", nconns, open_ok - control_ok, failed, (now_ns() - start) / 1e9,
         first_error[0] ? ",\"first_error\":\"" : "", first_error, first_error[0] ? "\"" : "");
  fflush(stdout);
  if (!control_ok) return 1;

  /* commands on stdin; connections are served (pings, stray data) between them */
  char line[256];
  size_t line_len = 0;
  while (!stop_flag) {
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
      else if (!strcmp(line, "quit")) stop_flag = 1;
      size_t used = (size_t)(nl + 1 - line);
      memmove(line, nl + 1, line_len - used);
      line_len -= used;
      line[line_len] = 0;
    }
  }
  struct linger lg = {.l_onoff = 1, .l_linger = 0};
  for (int i = 0; i <= nconns; i++) {
    if (conns[i].state == ST_DEAD) continue;
    setsockopt(conns[i].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(conns[i].fd);
  }
  return 0;
usage:
  fprintf(stderr, "usage: broadcast-sub --port P [--host H] [--conns N] [--server-pid PID]\n");
  return 2;
}
