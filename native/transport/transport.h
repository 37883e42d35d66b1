// The native transport's libuv side: listening sockets and connections on Node's own event loop,
// kept in tables and named by integer handles (native/transport/README.md). No N-API here: what
// happens is reported to an EventSink, which transport_binding.cc turns into JavaScript calls.
#ifndef WSFRAME_TRANSPORT_TRANSPORT_H_
#define WSFRAME_TRANSPORT_TRANSPORT_H_

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace wsframe {
namespace transport {

// A handle as JavaScript holds it: (generation << kIndexBits) | index, below 2^53 so it is an
// exact JavaScript number. A handle whose slot has been freed (its generation moved on) names
// nothing: every call taking one checks it and does nothing (returns UV_EBADF) when stale.
using Handle = uint64_t;
constexpr unsigned kIndexBits = 24;
constexpr uint32_t kIndexMask = (uint32_t{1} << kIndexBits) - 1;
constexpr uint32_t kGenerationMask = (uint32_t{1} << 28) - 1;

// The read buffer of the loop: every connection reads into the one the EventSink lends
// (read_buffer()), so an idle connection holds none. 64 KiB: what Node reads at once too.
constexpr size_t kReadBufferSize = 64 * 1024;

// The read buffer of connections whose listener copies what it keeps (lend_reads()): one the
// sink reuses for every read, never handed over, so it stays in the CPU's cache and a read takes
// all a busy peer has sent (bench/RESULTS.md: 4 frames of 16 KiB in one read, not 2 reads).
constexpr size_t kReusedReadBufferSize = 256 * 1024;

// How long the kernel holds a connection for its first bytes with TCP_DEFER_ACCEPT
// (PlainUpgrades::defer_accept): one SYN-ACK retransmission, at the initial retransmission
// timeout of RFC 6298 §2.1. One accepted with nothing to read has been silent that long (were
// one accepted without the wait, as the kernel may under SYN cookies, it is counted as old all
// the same: a silent peer's 408 comes up to that much sooner, never later).
constexpr int kDeferAcceptSeconds = 1;
constexpr uint64_t kDeferAcceptMs = 1000 * kDeferAcceptSeconds;

// What the transport reports. Every event is called from a libuv callback (never from inside a
// call into the transport), with the connection's slot index; the connection's memory stays
// valid until after `closed`, and `closed` is the last event of a connection, exactly once.
class EventSink {
 public:
  virtual ~EventSink() = default;
  // A listener accepted a connection (reading is paused until resume(), except on a listener
  // answering plain upgrades: it reads already). `age_ms`: how long ago (a connection of such a
  // listener is announced only once its first read was not a plain upgrade, or it stayed silent).
  virtual void accepted(uint32_t listener_index, Handle connection, uint64_t age_ms) = 0;
  // A listener answering plain upgrades opened a connection on its own: its first read, `bytes`
  // (valid during the call), began with a whole plain upgrade of `head_length` bytes, and the
  // transport wrote the 101, of which `queued` bytes wait in the write queue (written() follows).
  // The connection reads; it is announced with this event instead of `accepted`.
  virtual void opened(uint32_t listener_index, Handle connection, char* bytes, size_t length, size_t head_length,
                      size_t queued) = 0;
  // The memory the next read goes into, or null to use the transport's own: kReadBufferSize
  // bytes, or kReusedReadBufferSize for a connection given lend_reads() (`reused`). data()
  // follows with the bytes read into it, before any other read.
  virtual char* read_buffer(bool reused) = 0;
  // Bytes arrived, at the start of the buffer read_buffer() lent (the sink may then keep it, and
  // lend another next time: the transport does not touch it again) or of the transport's own,
  // valid only during the call.
  virtual void data(uint32_t index, char* bytes, size_t length) = 0;
  // `bytes` more were read into the connection's read_into() target (`done`: it is full, and
  // reads go to read_buffer() again). Reported when the target is full, and at most every
  // report_every_ms (read_into) while it fills, so a slow peer's bytes still count as activity.
  virtual void filled(uint32_t index, size_t bytes, bool done) = 0;
  // Whether the connection's read_into() target may still be written: asked before every read
  // into it (JavaScript can detach an ArrayBuffer; its memory may then be gone).
  virtual bool target_alive(uint32_t index) = 0;
  // The peer ended its side (TCP FIN).
  virtual void ended(uint32_t index) = 0;
  // `bytes` of queued output (one write() remainder) were handed to the kernel.
  virtual void written(uint32_t index, size_t bytes) = 0;
  // Our FIN is out (end() completed).
  virtual void finished(uint32_t index) = 0;
  // The connection is gone; `error` is 0 or the libuv error (negative) that ended it.
  virtual void closed(uint32_t index, int error) = 0;
  // A listener stopped listening (closeListener()).
  virtual void listener_closed(uint32_t index) = 0;
};

// One open connection: the libuv handle and what the transport needs beside it (256 B; with its
// slot's generation and free-list link 264 B, stored in the table itself: no malloc per
// connection). Nothing per connection for reading.
struct Connection {
  uv_tcp_t tcp;  // first: the uv_stream_t* libuv passes back is a Connection*
  uint32_t index;
  uint16_t flags;
  int16_t error;  // the first libuv error (all are above -4096), reported with `closed`
};

// What a listener answers on its own (Transport::answer_plain_upgrades): the common handshake,
// native/plain_upgrade.h, with the server's rules that decide it without the application.
struct PlainUpgrades {
  bool any_path = true;
  std::string path;  // otherwise the request target's path (before '?') must be this
  size_t max_head_size = 0;
  bool ignore_extension_offers = false;
  int64_t budget = -1;  // connections it may still open so (maxConnections); negative: no limit
  // A connection that sends nothing is announced (`accepted`) after this many ms, for the
  // server's handshake timeout to see it; 0: never (its listener's close drops it).
  uint64_t announce_after_ms = 0;
  // The kernel holds a connection until its first bytes arrive (TCP_DEFER_ACCEPT, Linux), at most
  // kDeferAcceptMs, and the accept reads them at once. For a server whose handshake timeout is
  // none or at least that long: a silent peer is counted as that old when it is accepted.
  bool defer_accept = false;
};

struct Listener {
  uv_tcp_t tcp;
  uint32_t index;
  bool closing;
  bool quiet;  // failed to listen: closed without an event (the caller got the error)
  bool deferred;  // TCP_DEFER_ACCEPT: accepts once the head arrives, and reads it at the accept
};

// Objects stored in place, in chunks that never move (libuv keeps pointers to its handles), and
// named by handles. A slot is freed only after its handle's close callback, so its memory is
// never reused while libuv still knows it.
template <typename T>
class Table {
 public:
  Table() = default;
  ~Table();
  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;

  // A zeroed object in a free slot (index set), or null when out of memory.
  T* allocate(Handle* handle);
  T* find(Handle handle) const;
  // Frees the slot; handles to it are stale from now on.
  void remove(uint32_t index);
  size_t size() const { return count_; }
  size_t capacity() const { return chunks_.size() * kChunk; }
  template <typename F>
  void for_each(F f) {
    for (Slot* chunk : chunks_) {
      for (size_t i = 0; i < kChunk; i++) {
        if (chunk[i].used) f(&chunk[i].object);
      }
    }
  }

 private:
  struct Slot {
    T object;
    uint32_t generation : 31;
    uint32_t used : 1;
    uint32_t next_free;
  };
  static constexpr uint32_t kChunk = 1024;
  static constexpr uint32_t kNone = UINT32_MAX;
  Slot& slot(uint32_t index) const { return chunks_[index / kChunk][index % kChunk]; }
  std::vector<Slot*> chunks_;
  uint32_t free_ = kNone;
  size_t count_ = 0;
};

class Transport {
 public:
  Transport(uv_loop_t* loop, EventSink* sink);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Listens on an IP address (no name lookup here); returns the listener's handle, or a libuv error.
  int64_t listen(const char* ip, int port, int backlog, bool ipv6_only);
  int close_listener(Handle handle);
  // Takes over a connected TCP socket the process opened otherwise (node:http's, after an
  // upgrade): a duplicate of `fd`, so the caller still owns and closes its own descriptor.
  // Returns the connection's handle (paused, as an accepted one; no `accepted` event), or a libuv
  // error: UV_EINVAL for a descriptor that is not a connected TCP socket, UV_ENOTSUP on Windows.
  int64_t adopt(int fd);
  // From now on the listener's connections read at once, and a first read that holds a whole
  // plain upgrade the server would accept (`plain`) is answered here with the 101: the connection
  // is announced with `opened`, the only crossing into JavaScript its opening needs. Any other
  // first read (or silence, after plain.announce_after_ms) announces it with `accepted`, its bytes
  // with `data`, and the server answers as before. With plain.defer_accept the kernel accepts a
  // connection once its first bytes are in, and the accept reads them: one wake-up per opening.
  // Calling it again changes the rules; a deferred accept stays deferred.
  int answer_plain_upgrades(Handle listener, const PlainUpgrades& plain);
  // How many more connections the listener may open so (negative: no limit; 0: none).
  int plain_upgrade_budget(Handle listener, int64_t budget);

  // Writes the buffers in order: uv_try_write on the caller's memory first, then one owned copy of
  // what the kernel did not take, queued with uv_write. Returns the bytes queued (0: all written
  // now) or a libuv error; an I/O error also closes the connection (reported with `closed`).
  int64_t write(Handle handle, const uv_buf_t* buffers, unsigned count);
  // TCP FIN once the queue is written; the connection closes once both sides have ended.
  int end(Handle handle);
  // Closes now, dropping what is queued.
  int destroy(Handle handle);
  // The next `length` bytes read go to `base` (memory the caller keeps valid until the target is
  // done or the connection closed), not to the read buffer: a large payload straight into the
  // message it belongs to. One target at a time; UV_EBUSY while one is filling.
  int read_into(Handle handle, char* base, size_t length, uint64_t report_every_ms);
  // The connection's listener copies whatever it keeps of a read past data(): its reads go to
  // the sink's reused buffer (read_buffer(true)) from now on.
  int lend_reads(Handle handle);
  int pause(Handle handle);
  int resume(Handle handle);
  // The address of either end of a connection or listener (`peer`: the remote end).
  int address(Handle handle, bool listener, bool peer, sockaddr_storage* out) const;

  size_t connections() const { return connections_.size(); }
  size_t unannounced() const { return unannounced_.size(); }
  uint64_t plain_opened() const { return plain_opened_; }
  uint64_t plain_declined() const { return plain_declined_; }
  size_t listeners() const { return listeners_.size(); }
  size_t connection_slots() const { return connections_.capacity(); }
  static size_t connection_size();

  // Env teardown: no more events; every handle is closed; `done` runs once the last one is.
  void close_all(void (*done)(void*), void* arg);

  // libuv callbacks' way back in (they are plain functions).
  static Transport* of(const uv_handle_t* handle) { return static_cast<Transport*>(handle->data); }
  void on_connection(Listener* listener, int status);
  void on_alloc(Connection* connection, uv_buf_t* buffer);
  void on_read(Connection* connection, ssize_t nread);
  void on_written(Connection* connection, size_t bytes, int status);
  void on_shutdown(Connection* connection, int status);
  void on_closed(Connection* connection);
  void on_listener_closed(Listener* listener);
  void on_announce_timer();
  void on_timer_closed();

 private:
  int64_t write(Connection* connection, const uv_buf_t* buffers, unsigned count);
  // A first read of a connection not yet announced: open it here, or announce it.
  void first_read(Connection* connection, char* bytes, size_t length);
  // Reads a connection's first bytes now, as libuv would once it is readable; false if there
  // were none yet.
  bool read_at_accept(Connection* connection);
  void start_announce_timer(uint64_t wait_ms);
  // Hands a silent connection (unannounced_) to the sink with its age.
  void announce(uint32_t index, uint64_t now);
  void close(Connection* connection, int error);
  void shutdown(Connection* connection);
  void handle_closed();

  uv_loop_t* loop_;
  EventSink* sink_;  // null once the environment is being torn down
  std::unique_ptr<char[]> read_buffer_;  // used when the sink lends none (teardown, out of memory)
  char* lent_ = nullptr;  // what the last on_alloc handed libuv
  // read_into() targets by connection index: only while one fills (an idle connection has none).
  struct Target {
    char* base;
    size_t length;
    size_t filled;
    size_t reported;
    uint64_t reported_at;  // uv_now of the last report (or of the start)
    uint64_t report_every_ms;
  };
  std::unordered_map<uint32_t, Target> targets_;
  Table<Connection> connections_;
  Table<Listener> listeners_;
  // Listeners answering plain upgrades, by listener index.
  std::unordered_map<uint32_t, PlainUpgrades> plain_;
  // Their connections not yet announced to the sink, by connection index: only until the first
  // read (or announce_after_ms of silence).
  struct Unannounced {
    Handle handle;
    uint32_t listener;
    uint64_t accepted_at;  // uv_now
  };
  std::unordered_map<uint32_t, Unannounced> unannounced_;
  // Announces silent ones; runs only while some may be due (unreferenced: it keeps no loop alive).
  uv_timer_t announce_timer_;
  bool timer_initialised_ = false;
  uint64_t plain_opened_ = 0;    // connections opened on their own (first_read)
  uint64_t plain_declined_ = 0;  // first reads that were not a plain upgrade to answer
  size_t open_handles_ = 0;  // initialised and not yet through their close callback
  void (*all_closed_)(void*) = nullptr;
  void* all_closed_arg_ = nullptr;
};

}  // namespace transport
}  // namespace wsframe

#endif  // WSFRAME_TRANSPORT_TRANSPORT_H_
