/*
 * loadgen: an epoll WebSocket (RFC 6455) client load generator for bench/echo.mjs and
 * bench/idle-memory.mjs. Single-threaded, no dependencies; build: cc -O2 -o loadgen loadgen.c
 * (the connection, handshake, frame and parser code it shares with broadcast-sub.c: ws-client.h)
 *
 *   loadgen --port P [--host 127.0.0.1] [--conns N] [--inflight K] [--size S] [--binary]
 *           [--duration D] [--warmup W] [--server-pid PID] [--mode echo|idle] [--connect-limit S]
 *
 * echo mode: opens N connections (at most 256 handshakes at a time), then keeps K messages of
 * S bytes in flight on each (masked, as a client must; text payloads are ASCII, so valid UTF-8),
 * counts the echoes (each must come back with the same opcode and length), and measures every
 * message's round trip (send of its frame → end of its echo; the server echoes in order).
 * After W seconds of warm-up it counts for D seconds and prints one JSON line: messages/s,
 * payload MB/s (one direction), latency percentiles, and the CPU time used in the counted
 * window by itself (getrusage) and by the server (/proc/PID/stat, when --server-pid is given).
 *
 * idle mode: opens N connections, prints {"ready":true,...} once every handshake is answered
 * (or the connect phase's --connect-limit seconds, 60 by default, are over),
 * then holds them (reading and dropping anything the server sends) until stdin closes or
 * SIGTERM, and closes them with RST (SO_LINGER 0: no TIME_WAIT left for the next run).
 *
 * Masking keys: frames are cut from a few pre-masked templates with different random keys,
 * so the server does the same unmasking work as with a fresh key per frame.
 *
 * --json: text payloads are JSON-like documents (an array of objects with ids, names, e-mails,
 * timestamps, tags: compressible, as real API traffic is), 16 different ones sent in turn.
 *
 * --deflate (issue 5; built with -DLOADGEN_ZLIB -lz, implies --json): offers permessage-deflate
 * (`client_max_window_bits`, as browsers and the ws client do) and compresses with context
 * takeover (RFC 7692 §7.2.1, zlib level 6, window 15): the 16 documents are compressed twice in a
 * row by one deflate stream before the run; a connection sends the first pass once (its first
 * messages, from an empty window), then the second pass over and over. In the second pass each
 * message refers back only to the 32 KiB of plaintext before it, which is the same documents
 * again, so the frames are exactly what a takeover compressor would send, without compressing at
 * run time. Echoes are inflated (a zlib stream per connection, so either side's takeover works)
 * and compared byte for byte with what was sent. The server's answer (Sec-WebSocket-Extensions)
 * is reported; one asking for a smaller client window is refused. When the server asks for
 * client_no_context_takeover the connection sends the documents compressed one by one instead.
 *
 * idle mode and messages: after the "ready" line, a line `send N` on stdin makes every open
 * connection send N messages (as in echo mode: --size, --json, --deflate) and wait for their
 * echoes; then one line {"sent":true,...} is printed and the connections are held again.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/uio.h>
#ifdef LOADGEN_ZLIB
#include <zlib.h>
#endif

#include "ws-client.h"

#define MAX_IOV 64
#define MAX_PENDING_CONNECTS 256

typedef struct {
  ws_conn ws; /* first: the epoll data pointer is both */
  /* sending: frames still to write, and how much of the current one is written */
  long to_send;
  size_t send_off;
  unsigned tmpl; /* which template the current frame comes from */
  int independent; /* --deflate: the server asked for client_no_context_takeover */
  /* receiving (the message: ws.opcode, ws.rsv1 = compressed, ws.msg_len) */
  unsigned rx_tmpl;    /* template index of the message the next echo answers */
  uint64_t rx_out;     /* plaintext bytes of the echo so far (inflated, or raw), checked as they come */
  int rx_bad;          /* the echo differs from what was sent */
#ifdef LOADGEN_ZLIB
  z_stream *inf;
#endif
  /* latency: send times of the frames in flight, FIFO (the server echoes in order) */
  uint64_t *sent_at;
  int sent_head, sent_count, sent_cap;
} conn_t;

static int nconns = 1, inflight = 1, binary = 0, server_pid = 0, idle_mode = 0;
/* How long the connect phase may take: on a loaded machine 19,000 handshakes can need more than 60 s. */
static double connect_limit = 60;
static int json_mode = 0, deflate_mode = 0;
#define NPLAIN 16
static unsigned char *plain[NPLAIN]; /* --json/--deflate: the documents, `size` bytes each */
static size_t *tmpl_len;             /* frame length of each template */
static unsigned cycle_start = 0;     /* after the last template, continue here */
static unsigned takeover_end = 0;    /* --deflate: templates [0, takeover_end) are the takeover stream */
static char negotiated[256] = "";    /* the first Sec-WebSocket-Extensions answer */
static uint64_t echo_wire = 0;       /* payload bytes of the echoes counted (as on the wire) */
static uint64_t idle_target = 0, idle_echoes = 0;
static size_t size = 32;
static double duration = 5, warmup = 1;

static unsigned char **templates;
static unsigned ntemplates;
static char request[512];
static int request_len;
static conn_t *conns;

/* counters (connections and errors: wsc) */
static uint64_t messages = 0;
static int next_to_open = 0;

/* latency histogram, ns: 64 linear buckets, then 64 sub-buckets per power of two (~1.6%) */
#define HIST_BUCKETS (64 * 40)
static uint64_t hist[HIST_BUCKETS];
static int counting = 0;

static int hist_index(uint64_t v) {
  if (v < 64) return (int)v;
  int msb = 63 - __builtin_clzll(v);
  int idx = (msb - 5) * 64 + (int)((v >> (msb - 6)) & 63);
  return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

static uint64_t hist_value(int idx) { /* lower edge of a bucket */
  if (idx < 64) return (uint64_t)idx;
  int msb = idx / 64 + 5;
  uint64_t sub = (uint64_t)(idx % 64);
  return (1ull << msb) | (sub << (msb - 6));
}

static double hist_percentile(double p) {
  uint64_t total = 0;
  for (int i = 0; i < HIST_BUCKETS; i++) total += hist[i];
  if (total == 0) return 0;
  uint64_t rank = (uint64_t)(p * (double)total);
  if (rank >= total) rank = total - 1;
  uint64_t seen = 0;
  for (int i = 0; i < HIST_BUCKETS; i++) {
    seen += hist[i];
    if (seen > rank) return (double)hist_value(i) / 1000.0; /* µs */
  }
  return 0;
}

/* A small deterministic PRNG, so runs send the same documents. */
static uint64_t prng_state = 0x9E3779B97F4A7C15ull;
static uint32_t prng(void) {
  prng_state ^= prng_state << 13;
  prng_state ^= prng_state >> 7;
  prng_state ^= prng_state << 17;
  return (uint32_t)(prng_state >> 16);
}

/* One JSON-like document of exactly `size` bytes: an array of records, padded with spaces. */
static void make_document(unsigned char *out, unsigned doc) {
  static const char *first[] = {"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
                                "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yolanda"};
  static const char *last[] = {"smith", "jones", "garcia", "miller", "davis", "martinez", "lopez", "wilson", "anderson",
                               "thomas", "taylor", "moore", "jackson", "martin", "lee", "thompson"};
  static const char *tags[] = {"admin", "beta", "billing", "eu-west", "us-east", "mobile", "web", "trial", "premium", "support"};
  static const char *status[] = {"active", "pending", "suspended"};
  size_t n = 0;
  char rec[512];
  out[n++] = '[';
  for (unsigned i = 0;; i++) {
    unsigned id = 100000 + doc * 97 + i * 13 + (prng() % 7);
    unsigned f = prng() % 20, l = prng() % 16;
    unsigned t1 = prng() % 10, t2 = prng() % 10;
    unsigned sec = 1700000000u + doc * 3600 + i * 17 + prng() % 60;
    time_t ts = (time_t)sec;
    struct tm tm;
    gmtime_r(&ts, &tm);
    int len = snprintf(rec, sizeof rec,
                       "%s{\"id\":%u,\"name\":\"%s %s\",\"email\":\"%s.%s@example.com\",\"createdAt\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03uZ\","
                       "\"status\":\"%s\",\"score\":%u.%02u,\"tags\":[\"%s\",\"%s\"],\"verified\":%s}",
                       i ? "," : "", id, first[f], last[l], first[f], last[l], tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec, prng() % 1000, status[prng() % 3], prng() % 100, prng() % 100,
                       tags[t1], tags[t2], prng() % 2 ? "true" : "false");
    if (n + (size_t)len + 1 > size) break;
    memcpy(out + n, rec, (size_t)len);
    n += (size_t)len;
  }
  out[n++] = ']';
  while (n < size) out[n++] = ' ';
}

/* A masked frame around `payload` into templates[t]. */
static void make_frame(unsigned t, const unsigned char *payload, size_t len, int rsv1) {
  unsigned char key[4];
  for (int i = 0; i < 4; i++) key[i] = (unsigned char)(1 + rand() % 255);
  templates[t] = malloc(len + 14);
  tmpl_len[t] = ws_client_frame(templates[t], 0x80 | (rsv1 ? 0x40 : 0) | (binary ? 2 : 1), payload, len, key);
}

static size_t sent_wire_avg = 0; /* payload bytes per message in the steady cycle */

static void build_templates(void) {
  srand((unsigned)now_ns());
  if (json_mode || deflate_mode) {
    if (binary) {
      fprintf(stderr, "loadgen: --json/--deflate send text\n");
      exit(2);
    }
    for (unsigned d = 0; d < NPLAIN; d++) {
      plain[d] = malloc(size);
      make_document(plain[d], d);
    }
  }
  if (deflate_mode) {
#ifdef LOADGEN_ZLIB
    ntemplates = 3 * NPLAIN;
    cycle_start = NPLAIN;
    takeover_end = 2 * NPLAIN; /* then each document compressed on its own, for client_no_context_takeover */
    templates = malloc(sizeof *templates * ntemplates);
    tmpl_len = malloc(sizeof *tmpl_len * ntemplates);
    z_stream z = {0};
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) exit(3);
    size_t cap = deflateBound(&z, size) + 64;
    unsigned char *out = malloc(cap);
    size_t steady = 0;
    for (unsigned t = 0; t < ntemplates; t++) {
      if (t >= takeover_end && deflateReset(&z) != Z_OK) exit(3);
      z.next_in = plain[t % NPLAIN];
      z.avail_in = (uInt)size;
      z.next_out = out;
      z.avail_out = (uInt)cap;
      if (deflate(&z, Z_SYNC_FLUSH) != Z_OK || z.avail_in != 0 || z.avail_out == 0) exit(3);
      size_t len = cap - z.avail_out;
      if (len < 4 || memcmp(out + len - 4, "\x00\x00\xff\xff", 4) != 0) exit(3);
      make_frame(t, out, len - 4, 1); /* §7.2.1: without the sync flush's 4 octets */
      if (t >= cycle_start && t < takeover_end) steady += len - 4;
    }
    sent_wire_avg = steady / NPLAIN;
    deflateEnd(&z);
    free(out);
#else
    fprintf(stderr, "loadgen: built without zlib (cc -DLOADGEN_ZLIB ... -lz): no --deflate\n");
    exit(2);
#endif
    return;
  }
  ntemplates = json_mode ? NPLAIN : size <= 65536 ? 16 : 2;
  templates = malloc(sizeof *templates * ntemplates);
  tmpl_len = malloc(sizeof *tmpl_len * ntemplates);
  unsigned char *payload = malloc(size ? size : 1);
  for (unsigned t = 0; t < ntemplates; t++) {
    if (json_mode) {
      memcpy(payload, plain[t], size);
    } else {
      for (size_t i = 0; i < size; i++) payload[i] = binary ? (unsigned char)(rand() & 0xff) : (unsigned char)('a' + (i * 7 + t) % 26);
    }
    make_frame(t, payload, size, 0);
  }
  free(payload);
  sent_wire_avg = size;
}

static unsigned next_tmpl(const conn_t *c, unsigned t) {
  if (c->independent) return t + 1 < ntemplates ? t + 1 : takeover_end;
  unsigned end = takeover_end ? takeover_end : ntemplates;
  return t + 1 < end ? t + 1 : cycle_start;
}

static void open_more(void) {
  while (next_to_open < nconns && wsc.pending < MAX_PENDING_CONNECTS) ws_open(&conns[next_to_open++].ws, request, request_len);
}

/* Write as many queued frames as the socket takes, several per writev. */
static void flush_sends(conn_t *c) {
  while (c->to_send > 0) {
    struct iovec iov[MAX_IOV];
    int n = 0;
    long frames = c->to_send;
    unsigned t = c->tmpl;
    size_t off = c->send_off;
    uint64_t t0 = idle_mode ? 0 : now_ns();
    size_t attempted = 0;
    for (long i = 0; i < frames && n < MAX_IOV; i++, n++) {
      iov[n].iov_base = templates[t] + off;
      iov[n].iov_len = tmpl_len[t] - off;
      attempted += iov[n].iov_len;
      off = 0;
      t = next_tmpl(c, t);
    }
    ssize_t w = writev(c->ws.fd, iov, n);
    if (w < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      ws_kill(&c->ws, "write", errno);
      return;
    }
    /* advance over what was written; a frame whose last byte went out is "sent" now */
    size_t left = (size_t)w;
    while (left > 0) {
      size_t rest = tmpl_len[c->tmpl] - c->send_off;
      if (left >= rest) {
        left -= rest;
        c->send_off = 0;
        c->tmpl = next_tmpl(c, c->tmpl);
        c->to_send--;
        if (c->sent_cap) {
          int at = (c->sent_head + c->sent_count) % c->sent_cap;
          c->sent_at[at] = t0;
          c->sent_count++;
        }
      } else {
        c->send_off += left;
        left = 0;
      }
    }
    if ((size_t)w < attempted) break; /* the socket is full: wait for EPOLLOUT */
  }
  ws_set_events(&c->ws, c->to_send > 0);
}

#ifdef LOADGEN_ZLIB
static void inflate_piece(conn_t *c, const unsigned char *p, size_t n);
#endif
static int idle_sending = 0;
static void idle_progress(void) {
  if (!idle_sending || idle_echoes < idle_target) return;
  idle_sending = 0;
  int alive = 0;
  for (int i = 0; i < nconns; i++) alive += conns[i].ws.state == ST_OPEN;
  printf("{\"sent\":true,\"echoes\":%llu,\"alive\":%d,\"errors\":%llu,\"sent_payload_avg\":%zu}\n", (unsigned long long)idle_echoes, alive,
         (unsigned long long)wsc.errors, sent_wire_avg);
  fflush(stdout);
}

/* ws-client.h's hook: an echo is complete. */
static void ws_message_end(ws_conn *w) {
  conn_t *c = (conn_t *)w;
  int checked = json_mode || deflate_mode;
  uint64_t got = checked ? c->rx_out : w->msg_len;
#ifdef LOADGEN_ZLIB
  if (deflate_mode && w->rsv1 && !c->rx_bad) {
    /* §7.2.2: the receiver appends the 4 octets the sender removed */
    static unsigned char tail[4] = {0x00, 0x00, 0xff, 0xff};
    inflate_piece(c, tail, 4);
    got = c->rx_out;
  }
#endif
  if (c->rx_bad || got != size || w->opcode != (binary ? 2 : 1)) {
    ws_kill(w, c->rx_bad ? "echo differs from what was sent (content)" : "echo differs from what was sent", 0);
    return;
  }
  c->rx_tmpl = next_tmpl(c, c->rx_tmpl);
  c->rx_out = 0;
  if (idle_mode) {
    idle_echoes++;
    idle_progress();
    return;
  }
  uint64_t t = now_ns();
  if (c->sent_count > 0) {
    uint64_t sent = c->sent_at[c->sent_head];
    c->sent_head = (c->sent_head + 1) % c->sent_cap;
    c->sent_count--;
    if (counting) hist[hist_index(t - sent)]++;
  }
  if (counting) {
    messages++;
    echo_wire += w->msg_len;
  }
  c->to_send++;
}

/* Compare plaintext of the echo with what was sent, as it arrives. */
static void check_plain(conn_t *c, const unsigned char *p, size_t n) {
  if (c->rx_bad) return;
  const unsigned char *expected = plain[c->rx_tmpl % NPLAIN];
  if (c->rx_out + n > size || memcmp(expected + c->rx_out, p, n) != 0) c->rx_bad = 1;
  c->rx_out += n;
}

#ifdef LOADGEN_ZLIB
static void inflate_piece(conn_t *c, const unsigned char *p, size_t n) {
  unsigned char out[16384];
  c->inf->next_in = (unsigned char *)p;
  c->inf->avail_in = (uInt)n;
  while (!c->rx_bad) {
    c->inf->next_out = out;
    c->inf->avail_out = sizeof out;
    int rc = inflate(c->inf, Z_SYNC_FLUSH);
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      c->rx_bad = 1;
      break;
    }
    size_t produced = sizeof out - c->inf->avail_out;
    check_plain(c, out, produced);
    if (c->inf->avail_in == 0 && c->inf->avail_out != 0) break;
    if (produced == 0 && rc == Z_BUF_ERROR) break;
  }
}
#endif

/* ws-client.h's hook: payload bytes of a data frame (unmasked: servers do not mask). */
static void ws_data(ws_conn *w, const unsigned char *p, size_t n) {
  conn_t *c = (conn_t *)w;
  if (!(json_mode || deflate_mode)) return;
#ifdef LOADGEN_ZLIB
  if (deflate_mode && w->rsv1) {
    inflate_piece(c, p, n);
    return;
  }
#endif
  check_plain(c, p, n);
}

/* ws-client.h's hook: an echo begins. */
static void ws_message_begin(ws_conn *w) {
  conn_t *c = (conn_t *)w;
  c->rx_out = 0;
  c->rx_bad = 0;
  if (w->rsv1 && !deflate_mode) ws_kill(w, "RSV1 set without permessage-deflate", 0);
}

/* ws-client.h's hook: the 101; with --deflate, the server's Sec-WebSocket-Extensions decides. */
static int ws_upgraded(ws_conn *w, char *head) {
  conn_t *c = (conn_t *)w;
  if (deflate_mode) {
    char *ext = strcasestr(head, "\r\nSec-WebSocket-Extensions:");
    char line[256] = "";
    if (ext != NULL) {
      ext += 28;
      while (*ext == ' ') ext++;
      size_t l = strcspn(ext, "\r");
      if (l >= sizeof line) l = sizeof line - 1;
      memcpy(line, ext, l);
      line[l] = 0;
      for (char *q = line; *q; q++)
        if (*q == '"' || *q == '\\') *q = '\'';
    }
    if (strstr(line, "permessage-deflate") == NULL) {
      ws_kill(w, "the server did not accept permessage-deflate", 0);
      return -1;
    }
    char *bits = strstr(line, "client_max_window_bits=");
    if (strstr(line, "client_no_context_takeover") != NULL) {
      /* RFC 7692 §7.1.1.2: our messages must not refer to earlier ones: send the documents compressed one by one. */
      c->independent = 1;
      c->tmpl = c->rx_tmpl = takeover_end;
    }
    if (bits != NULL && atoi(bits + 23) != 15) {
      ws_kill(w, "the server limits the client's compressor (unsupported here)", 0);
      return -1;
    }
    if (negotiated[0] == 0) snprintf(negotiated, sizeof negotiated, "%s", line);
  }
#ifdef LOADGEN_ZLIB
  if (deflate_mode) {
    c->inf = calloc(1, sizeof *c->inf);
    if (inflateInit2(c->inf, -15) != Z_OK) exit(3);
  }
#endif
  if (!idle_mode) {
    c->sent_cap = inflight;
    c->sent_at = calloc((size_t)inflight, sizeof(uint64_t));
    c->to_send = inflight;
  }
  return 0;
}

static void handle(conn_t *c, uint32_t events, unsigned char *buf) {
  ws_handle(&c->ws, events, buf);
  if (c->ws.state == ST_OPEN && c->to_send > 0) flush_sends(c);
}

static double cpu_self(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double cpu_of(int pid) { /* utime + stime of all threads, seconds; -1 when unreadable */
  if (pid <= 0) return -1;
  char path[64], line[4096];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(line, 1, sizeof line - 1, f);
  fclose(f);
  line[n] = 0;
  char *p = strrchr(line, ')'); /* the command name may contain spaces */
  if (!p) return -1;
  unsigned long utime = 0, stime = 0;
  /* after ") ": state(3) ... utime is field 14, stime 15 */
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static void usage(void) {
  fprintf(stderr,
          "usage: loadgen --port P [--host H] [--conns N] [--inflight K] [--size S] [--binary]\n"
          "               [--duration D] [--warmup W] [--server-pid PID] [--mode echo|idle] [--json] [--deflate]\n"
          "               [--connect-limit S]\n");
  exit(2);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--binary")) { binary = 1; continue; }
    if (!strcmp(a, "--json")) { json_mode = 1; continue; }
    if (!strcmp(a, "--deflate")) { deflate_mode = 1; continue; }
    if (v == NULL) usage();
    if (!strcmp(a, "--host")) wsc.host = v;
    else if (!strcmp(a, "--port")) wsc.port = atoi(v);
    else if (!strcmp(a, "--conns")) nconns = atoi(v);
    else if (!strcmp(a, "--inflight")) inflight = atoi(v);
    else if (!strcmp(a, "--size")) size = (size_t)strtoull(v, NULL, 10);
    else if (!strcmp(a, "--duration")) duration = atof(v);
    else if (!strcmp(a, "--connect-limit")) connect_limit = atof(v);
    else if (!strcmp(a, "--warmup")) warmup = atof(v);
    else if (!strcmp(a, "--server-pid")) server_pid = atoi(v);
    else if (!strcmp(a, "--mode")) idle_mode = !strcmp(v, "idle");
    else usage();
    i++;
  }
  if (wsc.port <= 0 || nconns <= 0 || inflight <= 0) usage();
  ws_signals();

  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < (rlim_t)nconns + 16 && rl.rlim_max >= (rlim_t)nconns + 16) {
    rl.rlim_cur = (rlim_t)nconns + 16;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  request_len = ws_upgrade_request(request, sizeof request, "/",
                                   deflate_mode ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" : "");
  build_templates();
  conns = calloc((size_t)nconns, sizeof *conns);
  wsc.epfd = epoll_create1(EPOLL_CLOEXEC);
  unsigned char *buf = malloc(WS_READ_BUF);
  struct epoll_event events[256];

  uint64_t t_start = now_ns();
  open_more();
  /* connect phase (at most --connect-limit seconds, 60 by default) */
  while (wsc.handshaken + wsc.failed < nconns && !ws_stop) {
    int n = epoll_wait(wsc.epfd, events, 256, 100);
    for (int i = 0; i < n; i++) handle(events[i].data.ptr, events[i].events, buf);
    open_more();
    if ((double)(now_ns() - t_start) > connect_limit * 1e9) break;
  }
  double connect_s = (double)(now_ns() - t_start) / 1e9;

  if (idle_mode) {
    printf("{\"ready\":true,\"mode\":\"idle\",\"conns\":%d,\"connected\":%d,\"failed\":%d,\"connect_s\":%.3f,\"extensions\":\"%s\"%s}\n",
           nconns, wsc.handshaken, wsc.failed, connect_s, negotiated, ws_first_error_json());
    fflush(stdout);
    /* hold until stdin closes or a signal */
    int fl = fcntl(0, F_GETFL);
    fcntl(0, F_SETFL, fl | O_NONBLOCK);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(wsc.epfd, EPOLL_CTL_ADD, 0, &ev);
    while (!ws_stop) {
      int n = epoll_wait(wsc.epfd, events, 256, 1000);
      for (int i = 0; i < n; i++) {
        if (events[i].data.ptr == NULL) {
          char b[256];
          ssize_t r = read(0, b, sizeof b - 1);
          if (r == 0 || (r < 0 && errno != EAGAIN)) ws_stop = 1;
          if (r > 0) {
            b[r] = 0;
            if (!strncmp(b, "send ", 5)) { /* every open connection sends N messages; their echoes end the step */
              long k = atol(b + 5);
              idle_target = idle_echoes;
              idle_sending = 1;
              for (int j = 0; j < nconns; j++) {
                if (conns[j].ws.state != ST_OPEN) continue;
                idle_target += (uint64_t)k;
                conns[j].to_send += k;
                flush_sends(&conns[j]);
              }
              idle_progress();
            }
          }
          continue;
        }
        handle(events[i].data.ptr, events[i].events, buf);
      }
    }
  } else {
    uint64_t t0 = now_ns();
    uint64_t warm_end = t0 + (uint64_t)(warmup * 1e9);
    uint64_t end = warm_end + (uint64_t)(duration * 1e9);
    double cpu0 = 0, scpu0 = 0;
    uint64_t tc0 = 0;
    for (;;) {
      uint64_t t = now_ns();
      if (!counting && t >= warm_end) {
        counting = 1;
        memset(hist, 0, sizeof hist);
        tc0 = t;
        cpu0 = cpu_self();
        scpu0 = cpu_of(server_pid);
      }
      if (t >= end || ws_stop) break;
      int n = epoll_wait(wsc.epfd, events, 256, 10);
      for (int i = 0; i < n; i++) handle(events[i].data.ptr, events[i].events, buf);
    }
    double elapsed = counting ? (double)(now_ns() - tc0) / 1e9 : 0;
    double cpu = cpu_self() - cpu0;
    double scpu1 = cpu_of(server_pid);
    double scpu = (server_pid > 0 && scpu0 >= 0 && scpu1 >= 0) ? scpu1 - scpu0 : -1;
    int alive = 0;
    for (int i = 0; i < nconns; i++) alive += conns[i].ws.state == ST_OPEN;
    double mps = elapsed > 0 ? (double)messages / elapsed : 0;
    printf("{\"mode\":\"echo\",\"conns\":%d,\"connected\":%d,\"alive\":%d,\"inflight\":%d,\"size\":%zu,\"binary\":%s,"
           "\"seconds\":%.3f,\"messages\":%llu,\"msgs_per_s\":%.1f,\"mb_per_s\":%.3f,"
           "\"latency_us\":{\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"p999\":%.2f},"
           "\"cpu_loadgen_s\":%.3f,\"cpu_loadgen_pct\":%.1f,\"cpu_server_s\":%.3f,\"cpu_server_pct\":%.1f,"
           "\"connect_s\":%.3f,\"errors\":%llu,\"json\":%s,\"deflate\":%s,\"extensions\":\"%s\",\"sent_payload_avg\":%zu,\"echo_payload_avg\":%.1f%s}\n",
           nconns, wsc.handshaken, alive, inflight, size, binary ? "true" : "false", elapsed,
           (unsigned long long)messages, mps, mps * (double)size / 1e6, hist_percentile(0.5), hist_percentile(0.9),
           hist_percentile(0.99), hist_percentile(0.999), cpu, elapsed > 0 ? 100 * cpu / elapsed : 0, scpu,
           elapsed > 0 && scpu >= 0 ? 100 * scpu / elapsed : -1, connect_s, (unsigned long long)wsc.errors,
           json_mode || deflate_mode ? "true" : "false", deflate_mode ? "true" : "false", negotiated, sent_wire_avg,
           messages ? (double)echo_wire / (double)messages : 0.0, ws_first_error_json());
    fflush(stdout);
  }
  for (int i = 0; i < nconns; i++) ws_reset(&conns[i].ws);
  return 0;
}
