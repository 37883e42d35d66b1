/*
 * ws-client.h: the epoll WebSocket (RFC 6455) client side that bench/loadgen.c and
 * bench/broadcast-sub.c share: non-blocking connects, the upgrade request and its 101,
 * masked client frames, and an incremental parser of the server's (unmasked) frames.
 * Header only (static functions, C99 + GNU/Linux), one program per translation unit.
 *
 * A program embeds a `ws_conn` as the FIRST member of its own connection struct (the epoll
 * data pointer is the ws_conn, so it is also the program's struct), and defines these hooks:
 *
 *   static int ws_upgraded(ws_conn *w, char *head);
 *       the server answered 101; `head` is its response head (NUL-terminated, without the
 *       blank line). Check it and set the connection up: return 0 to open it, or ws_kill()
 *       the connection and return -1.
 *   static void ws_message_begin(ws_conn *w);
 *       the first frame of a data message (w->opcode, w->rsv1 are set); may ws_kill().
 *   static void ws_data(ws_conn *w, const unsigned char *p, size_t n);
 *       payload bytes of a data frame (n > 0); control frames are skipped here.
 *   static void ws_message_end(ws_conn *w);
 *       the last byte of a data message arrived (w->msg_len: its payload length).
 *
 * A close frame from the server kills the connection; pings and pongs are read and dropped.
 */
#ifndef WS_CLIENT_H
#define WS_CLIENT_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WS_READ_BUF (256 * 1024) /* what ws_handle() reads at once: its `buf` holds this much */

enum { ST_CONNECTING, ST_HANDSHAKE, ST_OPEN, ST_DEAD };

typedef struct {
  int fd, state;
  int want_out; /* EPOLLOUT registered */
  /* handshake: the request (shared, not owned), how much of it is written; the response so far */
  const char *req;
  int req_len, req_off;
  char resp[1024];
  int resp_len;
  /* frame parser */
  unsigned char hdr[14];
  int hdr_len;
  uint64_t payload_left;
  int in_frame, ctl; /* ctl: the frame being read is a control frame */
  int opcode, rsv1;  /* of the data message being read (its first frame) */
  uint64_t msg_len;  /* its payload bytes so far */
} ws_conn;

/* What every connection shares: where to connect, the epoll set, the counters. */
static struct {
  const char *host;
  int port, epfd;
  int pending;    /* connecting or in the handshake */
  int handshaken; /* answered 101 */
  int failed;     /* died before that */
  uint64_t errors;
  char first_error[256];
} wsc = {.host = "127.0.0.1"};

static volatile sig_atomic_t ws_stop = 0; /* SIGTERM or SIGINT arrived */

static int ws_upgraded(ws_conn *w, char *head);
static void ws_message_begin(ws_conn *w);
static void ws_data(ws_conn *w, const unsigned char *p, size_t n);
static void ws_message_end(ws_conn *w);

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void ws_on_signal(int sig) {
  (void)sig;
  ws_stop = 1;
}

/* SIGPIPE ignored (a write to a reset connection fails with EPIPE), SIGTERM/SIGINT set ws_stop. */
static void ws_signals(void) {
  signal(SIGPIPE, SIG_IGN);
  signal(SIGTERM, ws_on_signal);
  signal(SIGINT, ws_on_signal);
}

static void ws_note_error(const char *what, int err) {
  wsc.errors++;
  if (wsc.first_error[0] == 0) snprintf(wsc.first_error, sizeof wsc.first_error, "%s: %s", what, err ? strerror(err) : "protocol");
}

/* `,"first_error":"..."` for a JSON line, or "" when there was none. */
static const char *ws_first_error_json(void) {
  static char out[sizeof wsc.first_error + 32];
  if (wsc.first_error[0] == 0) return "";
  snprintf(out, sizeof out, ",\"first_error\":\"%s\"", wsc.first_error);
  return out;
}

static void ws_kill(ws_conn *w, const char *what, int err) {
  if (w->state == ST_DEAD) return;
  if (w->state != ST_OPEN) {
    wsc.failed++;
    wsc.pending--;
  }
  ws_note_error(what, err);
  epoll_ctl(wsc.epfd, EPOLL_CTL_DEL, w->fd, NULL);
  close(w->fd);
  w->state = ST_DEAD;
}

static void ws_set_events(ws_conn *w, int want_out) {
  if (w->want_out == want_out) return;
  struct epoll_event ev = {.events = EPOLLIN | (want_out ? EPOLLOUT : 0), .data.ptr = w};
  epoll_ctl(wsc.epfd, EPOLL_CTL_MOD, w->fd, &ev);
  w->want_out = want_out;
}

/* The upgrade request for `path` (fixed key: bench/net-floor-server.mjs answers with its accept). */
static int ws_upgrade_request(char *out, size_t cap, const char *path, const char *extra_headers) {
  return snprintf(out, cap,
                  "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s\r\n",
                  path, wsc.host, wsc.port, extra_headers);
}

/* Starts a non-blocking connect (TCP_NODELAY) that will send `req` once connected. */
/*
 * The local port, chosen here rather than by connect(): with thousands of connections open to one
 * server, the kernel's search for a free ephemeral port (__inet_hash_connect) costs ~300 us of
 * system CPU per connect at 19,000 (measured: 5.6 s for the whole open), which made the load
 * generator, not the server, set the pace of opening connections. Ports from 20000 up, in turn,
 * skipping those in use; none below, none bound when this fails (connect() then picks one).
 */
static void ws_bind_port(int fd, struct in_addr address) {
  static int next_port = 20000;
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_addr = address};
  for (int tries = 0; tries < 4096; tries++) {
    local.sin_port = htons((uint16_t)next_port);
    next_port = next_port >= 65535 ? 20000 : next_port + 1;
    if (bind(fd, (struct sockaddr *)&local, sizeof local) == 0) return;
    if (errno != EADDRINUSE) return;
  }
}

static void ws_open(ws_conn *w, const char *req, int req_len) {
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)wsc.port)};
  inet_pton(AF_INET, wsc.host, &addr.sin_addr);
  w->req = req;
  w->req_len = req_len;
  w->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (w->fd < 0) {
    ws_note_error("socket", errno);
    w->state = ST_DEAD;
    wsc.failed++;
    return;
  }
  int one = 1;
  setsockopt(w->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ws_bind_port(w->fd, addr.sin_addr);
  w->state = ST_CONNECTING;
  wsc.pending++;
  if (connect(w->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) {
    ws_kill(w, "connect", errno);
    return;
  }
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = w};
  w->want_out = 1;
  epoll_ctl(wsc.epfd, EPOLL_CTL_ADD, w->fd, &ev);
}

/* Closes with RST (SO_LINGER 0): no TIME_WAIT left behind for the next run. */
static void ws_reset(ws_conn *w) {
  if (w->state == ST_DEAD || w->fd <= 0) return; /* dead, or never opened */
  struct linger lg = {.l_onoff = 1, .l_linger = 0};
  setsockopt(w->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(w->fd);
}

/* A masked client frame: first byte `b0` (FIN, RSV, opcode), `payload` masked with `key`, into
 * `out` (room for len + 14 bytes). Returns the frame's length. */
static size_t ws_client_frame(unsigned char *out, unsigned b0, const unsigned char *payload, size_t len, const unsigned char key[4]) {
  size_t hlen = len < 126 ? 2 : len < 65536 ? 4 : 10;
  out[0] = (unsigned char)b0;
  if (hlen == 2) {
    out[1] = 0x80 | (unsigned char)len;
  } else if (hlen == 4) {
    out[1] = 0x80 | 126;
    out[2] = (unsigned char)(len >> 8);
    out[3] = (unsigned char)len;
  } else {
    out[1] = 0x80 | 127;
    for (int i = 0; i < 8; i++) out[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
  }
  memcpy(out + hlen, key, 4);
  for (size_t i = 0; i < len; i++) out[hlen + 4 + i] = payload[i] ^ key[i & 3];
  return hlen + 4 + len;
}

/* Parses server frames (unmasked) and calls the hooks; stops when the connection dies. */
static void ws_parse(ws_conn *w, const unsigned char *p, size_t n) {
  size_t i = 0;
  while (i < n && w->state == ST_OPEN) {
    if (w->in_frame) {
      size_t take = w->payload_left < (uint64_t)(n - i) ? (size_t)w->payload_left : n - i;
      if (!w->ctl) ws_data(w, p + i, take);
      w->payload_left -= take;
      i += take;
      if (w->payload_left == 0) {
        w->in_frame = 0;
        if ((w->hdr[0] & 0x80) && !w->ctl) ws_message_end(w);
      }
      continue;
    }
    w->hdr[w->hdr_len++] = p[i++];
    if (w->hdr_len < 2) continue;
    int len7 = w->hdr[1] & 0x7f;
    int need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((w->hdr[1] & 0x80) ? 4 : 0);
    if (w->hdr_len < need) continue;
    uint64_t len = (uint64_t)len7;
    if (len7 == 126) len = ((uint64_t)w->hdr[2] << 8) | w->hdr[3];
    if (len7 == 127) {
      len = 0;
      for (int k = 0; k < 8; k++) len = (len << 8) | w->hdr[2 + k];
    }
    w->hdr_len = 0;
    int opcode = w->hdr[0] & 0x0f;
    if (opcode == 8) {
      ws_kill(w, "server sent a close frame", 0);
      return;
    }
    w->ctl = opcode >= 8; /* ping/pong: skipped (a ping is not answered; no server here pings) */
    w->payload_left = len;
    w->in_frame = len > 0;
    if (w->ctl) continue;
    if (opcode != 0) {
      w->opcode = opcode;
      w->rsv1 = (w->hdr[0] & 0x40) != 0;
      w->msg_len = 0;
      ws_message_begin(w);
      if (w->state != ST_OPEN) return;
    }
    w->msg_len += len;
    if (len == 0 && (w->hdr[0] & 0x80)) ws_message_end(w);
  }
}

/* One epoll event: connect, the handshake, then reading frames (into `buf`, WS_READ_BUF bytes). */
static void ws_handle(ws_conn *w, uint32_t events, unsigned char *buf) {
  if (w->state == ST_CONNECTING) {
    if (events & (EPOLLERR | EPOLLHUP)) {
      int err = 0;
      socklen_t l = sizeof err;
      getsockopt(w->fd, SOL_SOCKET, SO_ERROR, &err, &l);
      ws_kill(w, "connect", err);
      return;
    }
    if (!(events & EPOLLOUT)) return;
    w->state = ST_HANDSHAKE;
  }
  if (w->state == ST_HANDSHAKE) {
    if (w->req_off < w->req_len) {
      ssize_t wr = write(w->fd, w->req + w->req_off, (size_t)(w->req_len - w->req_off));
      if (wr < 0 && errno != EAGAIN) {
        ws_kill(w, "write request", errno);
        return;
      }
      if (wr > 0) w->req_off += (int)wr;
      if (w->req_off == w->req_len) ws_set_events(w, 0);
    }
    if (!(events & EPOLLIN)) return;
    ssize_t r = read(w->fd, w->resp + w->resp_len, sizeof w->resp - 1 - (size_t)w->resp_len);
    if (r == 0) {
      ws_kill(w, "closed during handshake", 0);
      return;
    }
    if (r < 0) {
      if (errno != EAGAIN) ws_kill(w, "read response", errno);
      return;
    }
    w->resp_len += (int)r;
    w->resp[w->resp_len] = 0;
    char *end = strstr(w->resp, "\r\n\r\n");
    if (end == NULL) {
      if (w->resp_len >= (int)sizeof w->resp - 1) ws_kill(w, "response too long", 0);
      return;
    }
    if (strncmp(w->resp, "HTTP/1.1 101", 12) != 0) {
      ws_kill(w, "upgrade refused", 0);
      return;
    }
    *end = 0;
    if (ws_upgraded(w, w->resp) != 0) return;
    w->state = ST_OPEN;
    wsc.handshaken++;
    wsc.pending--;
    size_t rest = (size_t)(w->resp_len - (int)(end + 4 - w->resp));
    if (rest > 0) ws_parse(w, (unsigned char *)end + 4, rest);
    return;
  }
  if (w->state != ST_OPEN) return;
  if (events & EPOLLIN) {
    for (;;) {
      ssize_t r = read(w->fd, buf, WS_READ_BUF);
      if (r > 0) {
        ws_parse(w, buf, (size_t)r);
        if (w->state != ST_OPEN || r < WS_READ_BUF) break;
        continue;
      }
      if (r == 0) {
        ws_kill(w, "server closed the connection", 0);
        return;
      }
      if (errno != EAGAIN && errno != EWOULDBLOCK) ws_kill(w, "read", errno);
      break;
    }
  } else if (events & (EPOLLERR | EPOLLHUP)) {
    ws_kill(w, "socket error", 0);
  }
}

#endif
