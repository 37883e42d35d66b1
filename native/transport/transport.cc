#include "transport.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#ifndef _WIN32
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#include "../plain_upgrade.h"

namespace wsframe {
namespace transport {

namespace {

enum : uint16_t {
  kReading = 1,        // uv_read_start is in effect
  kPeerEnded = 2,      // EOF read
  kEnding = 4,         // uv_shutdown requested
  kEnded = 8,          // uv_shutdown completed: our FIN is out
  kClosing = 16,       // uv_close called
  kAnnounced = 32,     // JavaScript was told of it (so it is told of its close)
  kTarget = 64,        // reads go to its entry in targets_ (read_into)
  kLent = 128,         // reads go to the sink's reused buffer (lend_reads)
};

// One write()'s remainder: the request and its own copy of the bytes, freed in the write callback.
struct WriteRequest {
  uv_write_t request;
  size_t length;
  char* bytes() { return reinterpret_cast<char*>(this + 1); }
};

Connection* connection_of(uv_handle_t* handle) { return reinterpret_cast<Connection*>(handle); }

void on_alloc(uv_handle_t* handle, size_t, uv_buf_t* buffer) {
  Transport::of(handle)->on_alloc(connection_of(handle), buffer);
}

void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  Transport::of(reinterpret_cast<uv_handle_t*>(stream))->on_read(reinterpret_cast<Connection*>(stream), nread);
}

void on_write(uv_write_t* request, int status) {
  auto* write = reinterpret_cast<WriteRequest*>(request);
  const size_t bytes = write->length;
  Connection* connection = reinterpret_cast<Connection*>(request->handle);
  std::free(write);
  Transport::of(reinterpret_cast<uv_handle_t*>(connection))->on_written(connection, bytes, status);
}

void on_shutdown(uv_shutdown_t* request, int status) {
  Connection* connection = reinterpret_cast<Connection*>(request->handle);
  delete request;
  Transport::of(reinterpret_cast<uv_handle_t*>(connection))->on_shutdown(connection, status);
}

void on_close(uv_handle_t* handle) { Transport::of(handle)->on_closed(connection_of(handle)); }

void on_listener_close(uv_handle_t* handle) {
  Transport::of(handle)->on_listener_closed(reinterpret_cast<Listener*>(handle));
}

void on_connection(uv_stream_t* server, int status) {
  Transport::of(reinterpret_cast<uv_handle_t*>(server))->on_connection(reinterpret_cast<Listener*>(server), status);
}

void on_announce_timer(uv_timer_t* timer) { Transport::of(reinterpret_cast<uv_handle_t*>(timer))->on_announce_timer(); }

void on_timer_close(uv_handle_t* handle) { Transport::of(handle)->on_timer_closed(); }

// The request target's path (before any '?') is `path`. The head is a plain upgrade
// (plain_upgrade checked it): "GET " target " HTTP/1.1", the target visible ASCII.
bool path_matches(const char* head, size_t head_length, const PlainUpgrades& plain) {
  if (plain.any_path) return true;
  const char* target = head + 4;
  const auto* end = static_cast<const char*>(std::memchr(target, ' ', head_length - 4));
  if (end == nullptr) return false;
  const auto* query = static_cast<const char*>(std::memchr(target, '?', static_cast<size_t>(end - target)));
  const size_t length = static_cast<size_t>((query != nullptr ? query : end) - target);
  return length == plain.path.size() && std::memcmp(target, plain.path.data(), length) == 0;
}


}  // namespace

// ---- Table ---------------------------------------------------------------------------------

template <typename T>
Table<T>::~Table() {
  for (Slot* chunk : chunks_) std::free(chunk);
}

template <typename T>
T* Table<T>::allocate(Handle* handle) {
  if (free_ == kNone) {
    // calloc: a fresh chunk is zero pages the kernel maps in as slots are used.
    auto* chunk = static_cast<Slot*>(std::calloc(kChunk, sizeof(Slot)));
    if (chunk == nullptr) return nullptr;
    const auto first = static_cast<uint32_t>(chunks_.size() * kChunk);
    chunks_.push_back(chunk);
    for (uint32_t i = kChunk; i-- > 0;) {
      chunk[i].next_free = free_;
      free_ = first + i;
    }
  }
  const uint32_t index = free_;
  Slot& free_slot = slot(index);
  free_ = free_slot.next_free;
  std::memset(static_cast<void*>(&free_slot.object), 0, sizeof(T));
  free_slot.used = 1;
  free_slot.object.index = index;
  count_++;
  *handle = (Handle{free_slot.generation} << kIndexBits) | index;
  return &free_slot.object;
}

template <typename T>
T* Table<T>::find(Handle handle) const {
  const uint64_t index = handle & kIndexMask;
  if (index >= capacity()) return nullptr;
  Slot& found = slot(static_cast<uint32_t>(index));
  if (!found.used || found.generation != (handle >> kIndexBits)) return nullptr;
  return &found.object;
}

template <typename T>
void Table<T>::remove(uint32_t index) {
  Slot& freed = slot(index);
  freed.used = 0;
  freed.generation = (freed.generation + 1) & kGenerationMask;
  freed.next_free = free_;
  free_ = index;
  count_--;
}

// ---- Transport -----------------------------------------------------------------------------

Transport::Transport(uv_loop_t* loop, EventSink* sink)
    : loop_(loop), sink_(sink), read_buffer_(new char[kReadBufferSize]) {}

Transport::~Transport() = default;

size_t Transport::connection_size() { return sizeof(Connection); }

void Transport::on_alloc(Connection* connection, uv_buf_t* buffer) {
  // libuv asks for memory right before each read and passes it back to on_read, one read at a
  // time on this loop: lent_ is what that read fills.
  lent_ = nullptr;
  if (connection->flags & kTarget) {
    if (sink_ == nullptr || !sink_->target_alive(connection->index)) {
      // No memory to read into: libuv reports UV_ENOBUFS to on_read, which closes the connection.
      *buffer = uv_buf_init(nullptr, 0);
      return;
    }
    Target& target = targets_.at(connection->index);
    const size_t left = target.length - target.filled;
    *buffer = uv_buf_init(target.base + target.filled, static_cast<unsigned>(left < UINT32_MAX ? left : UINT32_MAX));
    return;
  }
  const bool reused = (connection->flags & kLent) != 0;
  lent_ = sink_ != nullptr ? sink_->read_buffer(reused) : nullptr;
  if (lent_ == nullptr) {
    *buffer = uv_buf_init(read_buffer_.get(), kReadBufferSize);
    return;
  }
  *buffer = uv_buf_init(lent_, reused ? kReusedReadBufferSize : kReadBufferSize);
}

int Transport::lend_reads(Handle handle) {
  Connection* connection = connections_.find(handle);
  if (connection == nullptr) return UV_EBADF;
  connection->flags |= kLent;
  return 0;
}

int Transport::read_into(Handle handle, char* base, size_t length, uint64_t report_every_ms) {
  Connection* connection = connections_.find(handle);
  if (connection == nullptr) return UV_EBADF;
  if (connection->flags & (kPeerEnded | kClosing)) return UV_EOF;
  if (connection->flags & kTarget) return UV_EBUSY;
  if (length == 0) return UV_EINVAL;
  targets_[connection->index] = Target{base, length, 0, 0, uv_now(loop_), report_every_ms};
  connection->flags |= kTarget;
  return 0;
}

int64_t Transport::listen(const char* ip, int port, int backlog, bool ipv6_only) {
  sockaddr_storage address;
  if (uv_ip6_addr(ip, port, reinterpret_cast<sockaddr_in6*>(&address)) != 0 &&
      uv_ip4_addr(ip, port, reinterpret_cast<sockaddr_in*>(&address)) != 0) {
    return UV_EINVAL;
  }
  Handle handle;
  Listener* listener = listeners_.allocate(&handle);
  if (listener == nullptr) return UV_ENOMEM;
  int error = uv_tcp_init(loop_, &listener->tcp);
  if (error != 0) {
    listeners_.remove(listener->index);
    return error;
  }
  listener->tcp.data = this;
  open_handles_++;
  error = uv_tcp_bind(&listener->tcp, reinterpret_cast<const sockaddr*>(&address), ipv6_only ? UV_TCP_IPV6ONLY : 0);
  if (error == 0) error = uv_listen(reinterpret_cast<uv_stream_t*>(&listener->tcp), backlog, wsframe::transport::on_connection);
  if (error != 0) {
    // Closed quietly: the caller gets the error, not an event.
    listener->closing = true;
    listener->quiet = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&listener->tcp), on_listener_close);
    return error;
  }
  return static_cast<int64_t>(handle);
}

int Transport::close_listener(Handle handle) {
  Listener* listener = listeners_.find(handle);
  if (listener == nullptr) return UV_EBADF;
  // Its connections the server has not heard of go with it (it drops those whose head is arriving).
  for (const auto& entry : unannounced_) {
    if (entry.second.listener != listener->index) continue;
    Connection* connection = connections_.find(entry.second.handle);
    if (connection != nullptr) close(connection, 0);
  }
  if (!listener->closing) {
    listener->closing = true;
    uv_close(reinterpret_cast<uv_handle_t*>(&listener->tcp), on_listener_close);
  }
  return 0;
}

void Transport::on_listener_closed(Listener* listener) {
  const uint32_t index = listener->index;
  const bool quiet = listener->quiet;
  plain_.erase(index);
  listeners_.remove(index);
  if (sink_ != nullptr && !quiet) sink_->listener_closed(index);
  handle_closed();
}

void Transport::on_connection(Listener* listener, int status) {
  // Accept errors (EMFILE, ENFILE, ECONNABORTED) leave the pending connection in the backlog;
  // libuv retries on the next readiness (and uses its spare descriptor against EMFILE loops).
  if (status != 0 || listener->closing) return;
  Handle handle;
  Connection* connection = connections_.allocate(&handle);
  if (connection == nullptr) return;
  if (uv_tcp_init(loop_, &connection->tcp) != 0) {
    connections_.remove(connection->index);
    return;
  }
  connection->tcp.data = this;
  open_handles_++;
  if (uv_accept(reinterpret_cast<uv_stream_t*>(&listener->tcp), reinterpret_cast<uv_stream_t*>(&connection->tcp)) != 0) {
    close(connection, 0);  // never announced: it closes without an event
    return;
  }
  uv_tcp_nodelay(&connection->tcp, 1);
  const auto plain = plain_.find(listener->index);
  if (plain == plain_.end()) {
    connection->flags |= kAnnounced;
    if (sink_ != nullptr) sink_->accepted(listener->index, handle, 0);
    return;
  }
  // Answering plain upgrades: it reads now, unannounced, and its first read decides (first_read).
  const int error = uv_read_start(reinterpret_cast<uv_stream_t*>(&connection->tcp), wsframe::transport::on_alloc,
                                  wsframe::transport::on_read);
  if (error != 0) {
    close(connection, 0);  // never announced: it closes without an event
    return;
  }
  connection->flags |= kReading;
  const uint32_t index = connection->index;
  const uint64_t announce_after_ms = plain->second.announce_after_ms;
  unannounced_[index] = Unannounced{handle, listener->index, uv_now(loop_)};
  // A deferred accept mostly comes with the head: read it now, not one turn of the loop later
  // once the descriptor just added reports it readable. One with nothing to read has been silent
  // through the kernel's wait: as old as that, and due now if the server's wait is no longer.
  if (listener->deferred && !read_at_accept(connection)) {
    unannounced_[index].accepted_at -= kDeferAcceptMs;
    if (announce_after_ms > 0 && announce_after_ms <= kDeferAcceptMs) {
      announce(index, uv_now(loop_));
      return;
    }
  }
  if (announce_after_ms > 0 && unannounced_.count(index) != 0) start_announce_timer(announce_after_ms);
}

bool Transport::read_at_accept(Connection* connection) {
#ifdef _WIN32
  (void)connection;
  return false;
#else
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<const uv_handle_t*>(&connection->tcp), &fd) != 0) return false;
  uv_buf_t buffer;
  on_alloc(connection, &buffer);
  ssize_t nread;
  do {
    nread = ::recv(fd, buffer.base, buffer.len, 0);  // non-blocking: libuv made it so
  } while (nread < 0 && errno == EINTR);
  if (nread < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    on_read(connection, 0);  // as libuv reports an empty read: the lent buffer goes back
    return false;
  }
  on_read(connection, nread > 0 ? nread : nread == 0 ? UV_EOF : uv_translate_sys_error(errno));
  return true;
#endif
}

int Transport::answer_plain_upgrades(Handle handle, const PlainUpgrades& plain) {
  Listener* listener = listeners_.find(handle);
  if (listener == nullptr || listener->closing) return UV_EBADF;
  plain_[listener->index] = plain;
#ifdef TCP_DEFER_ACCEPT
  // Elsewhere (no such option) accepts are not deferred, and reads wait for readiness as before.
  if (plain.defer_accept && !listener->deferred) {
    uv_os_fd_t fd;
    int seconds = kDeferAcceptSeconds;
    listener->deferred = uv_fileno(reinterpret_cast<const uv_handle_t*>(&listener->tcp), &fd) == 0 &&
                         setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &seconds, sizeof(seconds)) == 0;
  }
#endif
  return 0;
}

int Transport::plain_upgrade_budget(Handle handle, int64_t budget) {
  Listener* listener = listeners_.find(handle);
  if (listener == nullptr) return UV_EBADF;
  const auto plain = plain_.find(listener->index);
  if (plain == plain_.end()) return UV_EINVAL;
  plain->second.budget = budget;
  return 0;
}

void Transport::start_announce_timer(uint64_t wait_ms) {
  // As often as the shortest wait of the connections waiting: one is announced at most that late.
  // A timer already running for longer waits (another listener's) is started again, shorter.
  const auto* timer = reinterpret_cast<const uv_handle_t*>(&announce_timer_);
  if (timer_initialised_ && uv_is_active(timer) && uv_timer_get_repeat(&announce_timer_) <= wait_ms) return;
  if (!timer_initialised_) {
    if (uv_timer_init(loop_, &announce_timer_) != 0) return;
    announce_timer_.data = this;
    uv_unref(reinterpret_cast<uv_handle_t*>(&announce_timer_));
    timer_initialised_ = true;
    open_handles_++;
  }
  uv_timer_start(&announce_timer_, wsframe::transport::on_announce_timer, wait_ms, wait_ms);
}

void Transport::on_announce_timer() {
  const uint64_t now = uv_now(loop_);
  std::vector<uint32_t> due;
  bool waiting = false;
  for (const auto& entry : unannounced_) {
    const auto plain = plain_.find(entry.second.listener);
    const uint64_t after = plain != plain_.end() ? plain->second.announce_after_ms : 0;
    if (after == 0) continue;
    if (now - entry.second.accepted_at >= after) {
      due.push_back(entry.first);
    } else {
      waiting = true;
    }
  }
  if (!waiting) uv_timer_stop(&announce_timer_);
  // Collected first: announcing runs JavaScript, which may open or close connections.
  for (const uint32_t index : due) announce(index, now);
}

void Transport::announce(uint32_t index, uint64_t now) {
  const auto entry = unannounced_.find(index);
  if (entry == unannounced_.end()) return;
  const Unannounced silent = entry->second;
  unannounced_.erase(entry);
  Connection* connection = connections_.find(silent.handle);
  if (connection == nullptr || (connection->flags & kClosing) || sink_ == nullptr) return;
  connection->flags |= kAnnounced;
  sink_->accepted(silent.listener, silent.handle, now - silent.accepted_at);
}

void Transport::on_timer_closed() { handle_closed(); }

void Transport::first_read(Connection* connection, char* bytes, size_t length) {
  const auto entry = unannounced_.find(connection->index);
  if (entry == unannounced_.end()) return;  // (an unannounced connection always has one)
  const Unannounced first = entry->second;
  unannounced_.erase(entry);
  connection->flags |= kAnnounced;
  if (sink_ == nullptr) return;
  const auto found = plain_.find(first.listener);
  if (found != plain_.end() && found->second.budget != 0) {
    PlainUpgrades& plain = found->second;
    uint8_t response[kPlainResponseSize];
    const size_t head = plain_upgrade(reinterpret_cast<const uint8_t*>(bytes), length, plain.ignore_extension_offers, response);
    if (head > 0 && head <= plain.max_head_size && path_matches(bytes, head, plain)) {
      const uv_buf_t buffer = uv_buf_init(reinterpret_cast<char*>(response), static_cast<unsigned>(kPlainResponseSize));
      const int64_t queued = write(connection, &buffer, 1);
      if (queued < 0) {
        connection->flags &= ~kAnnounced;  // closing (write failed): no one heard of it, no event
        return;
      }
      if (plain.budget > 0) plain.budget--;
      plain_opened_++;
      sink_->opened(first.listener, first.handle, bytes, length, head, static_cast<size_t>(queued));
      return;
    }
  }
  plain_declined_++;
  sink_->accepted(first.listener, first.handle, uv_now(loop_) - first.accepted_at);
  // The server may have closed it at once (destroy()): then its bytes go nowhere.
  if (sink_ != nullptr && !(connection->flags & kClosing)) sink_->data(connection->index, bytes, length);
}

int64_t Transport::adopt(int fd) {
#ifdef _WIN32
  (void)fd;
  return UV_ENOTSUP;
#else
  // Only a connected stream socket of IPv4 or IPv6: getpeername fails on anything else (a file,
  // a listening or unconnected socket), and the family and type rule out Unix and UDP sockets.
  int type = 0;
  socklen_t type_length = sizeof(type);
  sockaddr_storage peer;
  socklen_t peer_length = sizeof(peer);
  if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_length) != 0 || type != SOCK_STREAM ||
      getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) != 0 ||
      (peer.ss_family != AF_INET && peer.ss_family != AF_INET6)) {
    return UV_EINVAL;
  }
  const int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return uv_translate_sys_error(errno);
  Handle handle;
  Connection* connection = connections_.allocate(&handle);
  if (connection == nullptr) {
    ::close(copy);
    return UV_ENOMEM;
  }
  int error = uv_tcp_init(loop_, &connection->tcp);
  if (error != 0) {
    ::close(copy);
    connections_.remove(connection->index);
    return error;
  }
  connection->tcp.data = this;
  open_handles_++;
  error = uv_tcp_open(&connection->tcp, copy);
  if (error != 0) {
    ::close(copy);
    close(connection, 0);  // never announced: it closes without an event
    return error;
  }
  uv_tcp_nodelay(&connection->tcp, 1);
  connection->flags |= kAnnounced;
  return static_cast<int64_t>(handle);
#endif
}

int64_t Transport::write(Handle handle, const uv_buf_t* buffers, unsigned count) {
  Connection* connection = connections_.find(handle);
  if (connection == nullptr) return UV_EBADF;
  return write(connection, buffers, count);
}

int64_t Transport::write(Connection* connection, const uv_buf_t* buffers, unsigned count) {
  if (connection->flags & (kEnding | kClosing)) return UV_EPIPE;
  size_t total = 0;
  for (unsigned i = 0; i < count; i++) total += buffers[i].len;
  if (total == 0) return 0;
  auto* stream = reinterpret_cast<uv_stream_t*>(&connection->tcp);
  // uv_try_write answers UV_EAGAIN by itself while earlier writes are queued: order is kept.
  const int tried = uv_try_write(stream, buffers, count);
  if (tried < 0 && tried != UV_EAGAIN) {
    close(connection, tried);
    return tried;
  }
  size_t written = tried > 0 ? static_cast<size_t>(tried) : 0;
  if (written == total) return 0;
  const size_t remainder = total - written;
  auto* request = static_cast<WriteRequest*>(std::malloc(sizeof(WriteRequest) + remainder));
  if (request == nullptr) {
    close(connection, UV_ENOMEM);
    return UV_ENOMEM;
  }
  request->length = remainder;
  char* out = request->bytes();
  for (unsigned i = 0; i < count; i++) {
    size_t length = buffers[i].len;
    const char* bytes = buffers[i].base;
    if (written >= length) {
      written -= length;
      continue;
    }
    bytes += written;
    length -= written;
    written = 0;
    std::memcpy(out, bytes, length);
    out += length;
  }
  const uv_buf_t queued = uv_buf_init(request->bytes(), static_cast<unsigned>(remainder));
  const int error = uv_write(&request->request, stream, &queued, 1, on_write);
  if (error != 0) {
    std::free(request);
    close(connection, error);
    return error;
  }
  return static_cast<int64_t>(remainder);
}

void Transport::on_written(Connection* connection, size_t bytes, int status) {
  if (connection->flags & kClosing) return;  // cancelled by uv_close; `closed` tells JavaScript
  if (status != 0) {
    close(connection, status);
    return;
  }
  if (sink_ != nullptr) sink_->written(connection->index, bytes);
}

int Transport::end(Handle handle) {
  Connection* connection = connections_.find(handle);
  if (connection == nullptr) return UV_EBADF;
  shutdown(connection);
  return 0;
}

void Transport::shutdown(Connection* connection) {
  if (connection->flags & (kEnding | kClosing)) return;
  connection->flags |= kEnding;
  // libuv sends the FIN once every queued write is out.
  auto* request = new (std::nothrow) uv_shutdown_t;
  if (request == nullptr) {
    close(connection, UV_ENOMEM);
    return;
  }
  const int error = uv_shutdown(request, reinterpret_cast<uv_stream_t*>(&connection->tcp), wsframe::transport::on_shutdown);
  if (error != 0) {
    delete request;
    close(connection, error);
  }
}

void Transport::on_shutdown(Connection* connection, int status) {
  if (connection->flags & kClosing) return;
  if (status != 0) {
    close(connection, status);
    return;
  }
  connection->flags |= kEnded;
  if (sink_ != nullptr) sink_->finished(connection->index);
  if (connection->flags & kPeerEnded) close(connection, 0);
}

int Transport::destroy(Handle handle) {
  Connection* connection = connections_.find(handle);
  if (connection == nullptr) return UV_EBADF;
  close(connection, 0);
  return 0;
}

int Transport::pause(Handle handle) {
  Connection* connection = connections_.find(handle);
  if (connection == nullptr) return UV_EBADF;
  if (connection->flags & kReading) {
    connection->flags &= ~kReading;
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&connection->tcp));
  }
  return 0;
}

int Transport::resume(Handle handle) {
  Connection* connection = connections_.find(handle);
  if (connection == nullptr) return UV_EBADF;
  if (connection->flags & (kReading | kPeerEnded | kClosing)) return 0;
  const int error = uv_read_start(reinterpret_cast<uv_stream_t*>(&connection->tcp), wsframe::transport::on_alloc, wsframe::transport::on_read);
  if (error != 0) {
    close(connection, error);
    return error;
  }
  connection->flags |= kReading;
  return 0;
}

void Transport::on_read(Connection* connection, ssize_t nread) {
  char* bytes = lent_ != nullptr ? lent_ : read_buffer_.get();
  lent_ = nullptr;
  if (nread > 0 && (connection->flags & kTarget)) {
    Target& target = targets_.at(connection->index);
    target.filled += static_cast<size_t>(nread);
    const bool done = target.filled == target.length;
    const uint64_t now = uv_now(loop_);
    if (!done && now - target.reported_at < target.report_every_ms) return;
    const size_t bytes_now = target.filled - target.reported;
    target.reported = target.filled;
    target.reported_at = now;
    if (done) {
      targets_.erase(connection->index);
      connection->flags &= ~kTarget;
    }
    if (sink_ != nullptr) sink_->filled(connection->index, bytes_now, done);
    return;
  }
  if (nread > 0) {
    if (!(connection->flags & kAnnounced)) {
      first_read(connection, bytes, static_cast<size_t>(nread));
    } else if (sink_ != nullptr) {
      sink_->data(connection->index, bytes, static_cast<size_t>(nread));
    }
    return;
  }
  if (nread == 0) return;  // EAGAIN
  if (!(connection->flags & kAnnounced)) {
    close(connection, 0);  // gone before it sent anything: no one heard of it, no event
    return;
  }
  if (nread != UV_EOF) {
    close(connection, static_cast<int>(nread));
    return;
  }
  connection->flags = static_cast<uint16_t>((connection->flags | kPeerEnded) & ~kReading);
  uv_read_stop(reinterpret_cast<uv_stream_t*>(&connection->tcp));
  if (sink_ != nullptr) sink_->ended(connection->index);
  // No half-open connections (as Node's allowHalfOpen: false): our FIN follows what is queued,
  // and the connection closes once it is out.
  if (connection->flags & kEnded) {
    close(connection, 0);
  } else {
    shutdown(connection);
  }
}

void Transport::close(Connection* connection, int error) {
  if (connection->flags & kClosing) return;
  connection->flags |= kClosing;
  connection->error = static_cast<int16_t>(error);
  uv_close(reinterpret_cast<uv_handle_t*>(&connection->tcp), on_close);
}

void Transport::on_closed(Connection* connection) {
  const uint32_t index = connection->index;
  const int error = connection->error;
  const bool announced = connection->flags & kAnnounced;
  if (connection->flags & kTarget) targets_.erase(index);
  unannounced_.erase(index);
  // The slot is free (stale handles name nothing) before JavaScript hears of it.
  connections_.remove(index);
  if (sink_ != nullptr && announced) sink_->closed(index, error);
  handle_closed();
}

int Transport::address(Handle handle, bool listener, bool peer, sockaddr_storage* out) const {
  const uv_tcp_t* tcp = nullptr;
  if (listener) {
    Listener* found = listeners_.find(handle);
    if (found != nullptr) tcp = &found->tcp;
  } else {
    Connection* found = connections_.find(handle);
    if (found != nullptr && !(found->flags & kClosing)) tcp = &found->tcp;
  }
  if (tcp == nullptr) return UV_EBADF;
  int length = sizeof(*out);
  return peer ? uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(out), &length)
              : uv_tcp_getsockname(tcp, reinterpret_cast<sockaddr*>(out), &length);
}

void Transport::close_all(void (*done)(void*), void* arg) {
  sink_ = nullptr;
  all_closed_ = done;
  all_closed_arg_ = arg;
  connections_.for_each([this](Connection* connection) { close(connection, 0); });
  if (timer_initialised_) uv_close(reinterpret_cast<uv_handle_t*>(&announce_timer_), on_timer_close);
  listeners_.for_each([](Listener* listener) {
    if (!listener->closing) {
      listener->closing = true;
      uv_close(reinterpret_cast<uv_handle_t*>(&listener->tcp), on_listener_close);
    }
  });
  if (open_handles_ == 0) done(arg);
}

void Transport::handle_closed() {
  open_handles_--;
  if (open_handles_ == 0 && all_closed_ != nullptr) all_closed_(all_closed_arg_);
}

template class Table<Connection>;
template class Table<Listener>;

}  // namespace transport
}  // namespace wsframe
