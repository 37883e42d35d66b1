// The native transport's N-API glue (native/transport/README.md): JavaScript calls in with integer
// handles, and hears of events through the one function it registered with init(). No pointer
// ever reaches JavaScript; a stale or invalid handle makes a call a no-op that returns UV_EBADF.
#include "transport_binding.h"

#include <node_api.h>
#include <uv.h>

#include <cmath>
#include <cstring>
#include <initializer_list>
#include <unordered_map>
#include <vector>

#include "../napi_args.h"
#include "transport.h"

namespace wsframe {
namespace transport {
namespace {

// The event numbers JavaScript dispatches on (src/transport/native-transport.ts, NativeEvent).
// A read this long or longer is handed to JavaScript in the read buffer itself (Binding::data).
// A quarter of the buffer: what a retained view keeps alive is at most 4x its read.
constexpr size_t kHandOverBytes = kReadBufferSize / 4;

enum Event : int32_t {
  kAccepted = 0,        // (listener index, connection handle, ms since it was accepted)
  kData = 1,            // (index, Buffer, length): the bytes are the Buffer's first `length`
  kEnded = 2,           // (index, undefined)
  kWritten = 3,         // (index, bytes)
  kClosed = 4,          // (index, libuv error or 0)
  kListenerClosed = 5,  // (listener index, undefined)
  kFinished = 6,        // (index, undefined): our FIN is out
  kFilled = 7,          // (index, bytes, done 1 or 0): bytes read into the readInto() target
  kLentData = 8,        // (index, Buffer, length): as kData, in the reused buffer (lendReads):
                        // valid until the next read, so JavaScript copies what it keeps
  kOpened = 9,          // (listener index, Buffer, length, connection handle, head length, bytes
                        // of the 101 queued): the first read, whose plain upgrade the addon answered
};

// One per Node environment (main thread, each worker): the transport, and the JavaScript
// function every event is delivered to.
class Binding final : public EventSink {
 public:
  Binding(napi_env env, uv_loop_t* loop) : env_(env), transport_(loop, this) {}

  Transport& transport() { return transport_; }

  napi_status set_callback(napi_value function) {
    if (callback_ != nullptr) napi_delete_reference(env_, callback_);
    callback_ = nullptr;
    napi_status status = napi_create_reference(env_, function, 1, &callback_);
    if (status != napi_ok || context_ != nullptr) return status;
    napi_value resource, name;
    if ((status = napi_create_object(env_, &resource)) != napi_ok ||
        (status = napi_create_string_utf8(env_, "wsframe.transport", NAPI_AUTO_LENGTH, &name)) != napi_ok) {
      return status;
    }
    return napi_async_init(env_, resource, name, &context_);
  }

  // Env teardown: close every handle (no more events), then let Node go on.
  static void on_cleanup(napi_async_cleanup_hook_handle hook, void* arg) {
    auto* binding = static_cast<Binding*>(arg);
    binding->cleanup_ = hook;
    binding->transport_.close_all(all_closed, binding);
  }

  void accepted(uint32_t listener_index, Handle connection, uint64_t age_ms) override {
    emit(kAccepted, listener_index, [&](napi_value* value) {
      return napi_create_double(env_, static_cast<double>(connection), value);
    }, {static_cast<double>(age_ms)});
  }
  // The first read is copied (a head is a few hundred bytes): the request keeps it.
  void opened(uint32_t listener_index, Handle connection, char* bytes, size_t length, size_t head_length,
              size_t queued) override {
    emit(kOpened, listener_index,
         [&](napi_value* value) { return napi_create_buffer_copy(env_, length, bytes, nullptr, value); },
         {static_cast<double>(length), static_cast<double>(connection), static_cast<double>(head_length),
          static_cast<double>(queued)});
  }
  // The loop's read buffer is a JavaScript Buffer. A read of kHandOverBytes or more is handed to
  // JavaScript as it is (no copy) and the next read gets a new buffer; a smaller one is copied
  // out, so a connection that reads a few bytes does not keep 64 KiB alive in what it holds on
  // to. Either way JavaScript owns what it gets: it never sees memory the transport reuses —
  // except a connection given lendReads(), whose reads all go to one reused buffer (kLentData).
  char* read_buffer(bool reused) override {
    if (reused) {
      if (reused_ == nullptr) reused_ = new_buffer(kReusedReadBufferSize, &reused_buffer_);
      return reused_;
    }
    if (handover_ == nullptr) handover_ = new_buffer(kReadBufferSize, &handover_buffer_);
    return handover_;
  }
  // A JavaScript Buffer of `size` bytes kept alive by `*reference`: its memory, or null.
  char* new_buffer(size_t size, napi_ref* reference) {
    char* result = nullptr;
    napi_handle_scope scope;
    if (napi_open_handle_scope(env_, &scope) != napi_ok) return nullptr;
    napi_value buffer;
    void* memory;
    if (napi_create_buffer(env_, size, &memory, &buffer) == napi_ok &&
        napi_create_reference(env_, buffer, 1, reference) == napi_ok) {
      result = static_cast<char*>(memory);
    }
    napi_close_handle_scope(env_, scope);
    return result;
  }
  void data(uint32_t index, char* bytes, size_t length) override {
    if (bytes == reused_ && bytes != nullptr) {
      // Not handed over: JavaScript copies what it keeps of it before the next read.
      emit(kLentData, index, [&](napi_value* value) { return napi_get_reference_value(env_, reused_buffer_, value); },
           {static_cast<double>(length)});
      return;
    }
    if (bytes != handover_ || length < kHandOverBytes) {
      emit(kData, index, [&](napi_value* value) { return napi_create_buffer_copy(env_, length, bytes, nullptr, value); },
           {static_cast<double>(length)});
      return;
    }
    // The buffer's memory is uninitialised (it may hold bytes freed by other connections), and
    // JavaScript can reach all of it through the view's .buffer: zero what the read left.
    std::memset(bytes + length, 0, kReadBufferSize - length);
    napi_ref handed = handover_buffer_;
    handover_buffer_ = nullptr;
    handover_ = nullptr;
    emit(kData, index, [&](napi_value* value) { return napi_get_reference_value(env_, handed, value); },
         {static_cast<double>(length)});
    napi_delete_reference(env_, handed);
  }
  // readInto(): the target stays alive (a reference) until it is full or its connection closed.
  int read_into(Handle handle, napi_value target, char* base, size_t length, uint64_t report_every_ms) {
    const auto index = static_cast<uint32_t>(handle & kIndexMask);
    napi_ref keep;
    if (napi_create_reference(env_, target, 1, &keep) != napi_ok) return UV_ENOMEM;
    const int error = transport_.read_into(handle, base, length, report_every_ms);
    if (error != 0) {
      napi_delete_reference(env_, keep);
      return error;
    }
    targets_[index] = keep;
    return 0;
  }
  void filled(uint32_t index, size_t bytes, bool done) override {
    if (done) release_target(index);
    emit(kFilled, index, [&](napi_value* value) { return napi_create_double(env_, static_cast<double>(bytes), value); },
         {done ? 1.0 : 0.0});
  }
  bool target_alive(uint32_t index) override {
    const auto found = targets_.find(index);
    if (found == targets_.end()) return false;
    napi_handle_scope scope;
    if (napi_open_handle_scope(env_, &scope) != napi_ok) return false;
    napi_value view, buffer;
    bool detached = true;
    if (napi_get_reference_value(env_, found->second, &view) == napi_ok && view != nullptr &&
        napi_get_typedarray_info(env_, view, nullptr, nullptr, nullptr, &buffer, nullptr) == napi_ok) {
      napi_is_detached_arraybuffer(env_, buffer, &detached);
    }
    napi_close_handle_scope(env_, scope);
    return !detached;
  }
  void ended(uint32_t index) override {
    emit(kEnded, index, [&](napi_value* value) { return napi_get_undefined(env_, value); });
  }
  void written(uint32_t index, size_t bytes) override {
    emit(kWritten, index, [&](napi_value* value) { return napi_create_double(env_, static_cast<double>(bytes), value); });
  }
  void finished(uint32_t index) override {
    emit(kFinished, index, [&](napi_value* value) { return napi_get_undefined(env_, value); });
  }
  void closed(uint32_t index, int error) override {
    release_target(index);
    emit(kClosed, index, [&](napi_value* value) { return napi_create_int32(env_, error, value); });
  }
  void listener_closed(uint32_t index) override {
    emit(kListenerClosed, index, [&](napi_value* value) { return napi_get_undefined(env_, value); });
  }

 private:
  static void all_closed(void* arg) {
    auto* binding = static_cast<Binding*>(arg);
    napi_remove_async_cleanup_hook(binding->cleanup_);
    if (binding->callback_ != nullptr) napi_delete_reference(binding->env_, binding->callback_);
    if (binding->handover_buffer_ != nullptr) napi_delete_reference(binding->env_, binding->handover_buffer_);
    if (binding->reused_buffer_ != nullptr) napi_delete_reference(binding->env_, binding->reused_buffer_);
    for (const auto& target : binding->targets_) napi_delete_reference(binding->env_, target.second);
    if (binding->context_ != nullptr) napi_async_destroy(binding->env_, binding->context_);
    delete binding;
  }

  // One crossing into JavaScript, from a libuv callback (no JavaScript on the stack):
  // napi_make_callback, so process.nextTick callbacks and promise jobs run after it as after any
  // Node I/O callback. An exception thrown by the callback is not swallowed: it goes to
  // process 'uncaughtException' (napi_fatal_exception), as one thrown by a net.Socket listener.
  void release_target(uint32_t index) {
    const auto found = targets_.find(index);
    if (found == targets_.end()) return;
    napi_delete_reference(env_, found->second);
    targets_.erase(found);
  }

  // `extras`, numbers after the value: a data event's byte count (its Buffer may be longer: the
  // whole read buffer), a filled event's `done`, an accepted connection's age, an opened one's
  // (length, handle, head length, queued).
  template <typename MakeValue>
  void emit(int32_t event, uint32_t index, MakeValue make_value, std::initializer_list<double> extras = {}) {
    if (callback_ == nullptr) return;
    napi_handle_scope scope;
    if (napi_open_handle_scope(env_, &scope) != napi_ok) return;
    // napi_make_callback wants an object as `this` (undefined throws): the global, as for Node callbacks.
    constexpr size_t kMostExtras = 4;
    napi_value function, receiver, argv[3 + kMostExtras], result;
    size_t argc = 3;
    bool made = napi_get_reference_value(env_, callback_, &function) == napi_ok && function != nullptr &&
                napi_get_global(env_, &receiver) == napi_ok && napi_create_int32(env_, event, &argv[0]) == napi_ok &&
                napi_create_uint32(env_, index, &argv[1]) == napi_ok && make_value(&argv[2]) == napi_ok;
    for (const double extra : extras) {
      if (!made || argc == 3 + kMostExtras) break;
      made = napi_create_double(env_, extra, &argv[argc++]) == napi_ok;
    }
    if (made) {
      if (napi_make_callback(env_, context_, receiver, function, argc, argv, &result) == napi_pending_exception) {
        napi_value error;
        if (napi_get_and_clear_last_exception(env_, &error) == napi_ok) napi_fatal_exception(env_, error);
      }
    }
    napi_close_handle_scope(env_, scope);
  }

  napi_env env_;
  Transport transport_;
  napi_ref callback_ = nullptr;
  napi_async_context context_ = nullptr;
  napi_async_cleanup_hook_handle cleanup_ = nullptr;
  // The read buffer a long read is handed over in (a JavaScript Buffer kept alive by the reference).
  char* handover_ = nullptr;
  napi_ref handover_buffer_ = nullptr;
  // The buffer every read of a lendReads() connection goes to, made at the first such read.
  char* reused_ = nullptr;
  napi_ref reused_buffer_ = nullptr;
  // The readInto() targets filling, by connection index.
  std::unordered_map<uint32_t, napi_ref> targets_;
};

// ---- arguments -----------------------------------------------------------------------------

// The arguments, and the environment's Binding (every function's data pointer).
template <size_t kCount>
struct Call : Args<kCount> {
  Binding* binding;
  bool read(napi_env env, napi_callback_info info) {
    if (!Args<kCount>::read(env, info)) return false;
    binding = static_cast<Binding*>(this->data);
    return true;
  }
};

// A handle is a non-negative integer below 2^53; anything else names nothing (UV_EBADF). Only a
// value that is not a number at all is a TypeError.
bool read_handle(napi_env env, napi_value value, Handle* out) {
  double number;
  if (napi_get_value_double(env, value, &number) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The handle must be a number");
    return false;
  }
  *out = number >= 0 && number < 9007199254740992.0 && std::floor(number) == number ? static_cast<Handle>(number)
                                                                                      : ~Handle{0};
  return true;
}

bool read_chunk(napi_env env, napi_value value, uv_buf_t* out) {
  Bytes chunk;
  if (!read_bytes(env, value, "Chunks must be Uint8Arrays or Buffers", &chunk)) return false;
  if (chunk.length > UINT32_MAX) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "A chunk must be shorter than 4 GiB");
    return false;
  }
  *out = uv_buf_init(reinterpret_cast<char*>(chunk.data), static_cast<unsigned>(chunk.length));
  return true;
}

napi_value number(napi_env env, double value) {
  napi_value result;
  return napi_create_double(env, value, &result) == napi_ok ? result : nullptr;
}

// ---- functions -----------------------------------------------------------------------------

// init(callback(event, index, value, extra)): extra is a data event's byte count, a filled event's done
napi_value Init(napi_env env, napi_callback_info info) {
  Call<1> call;
  if (!call.read(env, info)) return nullptr;
  napi_valuetype type;
  if (napi_typeof(env, call.argv[0], &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The event callback must be a function");
    return nullptr;
  }
  if (call.binding->set_callback(call.argv[0]) != napi_ok) {
    napi_throw_error(env, "ERR_WSFRAME_TRANSPORT", "Could not register the event callback");
  }
  return nullptr;
}

// listen(ip, port, backlog, ipv6Only) → listener handle, or a libuv error (negative)
napi_value Listen(napi_env env, napi_callback_info info) {
  Call<4> call;
  char ip[64];
  size_t ip_length;
  int32_t port, backlog;
  bool ipv6_only;
  if (!call.read(env, info)) return nullptr;
  if (napi_get_value_string_utf8(env, call.argv[0], ip, sizeof(ip), &ip_length) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The address must be a string");
    return nullptr;
  }
  if (!read_int32(env, call.argv[1], "The port must be a number", &port) ||
      !read_int32(env, call.argv[2], "The backlog must be a number", &backlog)) {
    return nullptr;
  }
  if (napi_get_value_bool(env, call.argv[3], &ipv6_only) != napi_ok) ipv6_only = false;
  if (port < 0 || port > 65535) return number(env, UV_EINVAL);
  return number(env, static_cast<double>(call.binding->transport().listen(ip, port, backlog, ipv6_only)));
}

// adopt(fd) → the new connection's handle, or a libuv error
napi_value Adopt(napi_env env, napi_callback_info info) {
  Call<1> call;
  int32_t fd;
  if (!call.read(env, info) || !read_int32(env, call.argv[0], "The descriptor must be a number", &fd)) return nullptr;
  return number(env, static_cast<double>(call.binding->transport().adopt(fd)));
}

// A listener's budget from JavaScript: negative (and anything past what a counter reaches) is no limit.
int64_t to_budget(double budget) { return budget >= 0 && budget < 1e15 ? static_cast<int64_t>(budget) : -1; }

// answerPlainUpgrades(listener, path (null: any), maxHeaderSize, ignoreExtensionOffers,
// announceAfterMs, budget, deferAccept) → 0 or a libuv error (Transport::answer_plain_upgrades)
napi_value AnswerPlainUpgrades(napi_env env, napi_callback_info info) {
  Call<7> call;
  Handle handle;
  if (!call.read(env, info) || !read_handle(env, call.argv[0], &handle)) return nullptr;
  PlainUpgrades plain;
  napi_valuetype type;
  if (napi_typeof(env, call.argv[1], &type) != napi_ok) return nullptr;
  if (type == napi_string) {
    // UTF-8, not latin1 (which drops each character's high byte: "/š" would become "/a"): a target
    // is visible ASCII, so it equals the path's bytes exactly when the server's strings are equal.
    size_t length;
    if (napi_get_value_string_utf8(env, call.argv[1], nullptr, 0, &length) != napi_ok) return nullptr;
    plain.path.resize(length + 1);
    if (napi_get_value_string_utf8(env, call.argv[1], &plain.path[0], length + 1, &length) != napi_ok) return nullptr;
    plain.path.resize(length);
    plain.any_path = false;
  }
  double max_head_size, announce_after, budget;
  if (napi_get_value_double(env, call.argv[2], &max_head_size) != napi_ok ||
      napi_get_value_bool(env, call.argv[3], &plain.ignore_extension_offers) != napi_ok ||
      napi_get_value_double(env, call.argv[4], &announce_after) != napi_ok ||
      napi_get_value_double(env, call.argv[5], &budget) != napi_ok ||
      napi_get_value_bool(env, call.argv[6], &plain.defer_accept) != napi_ok || !(max_head_size >= 0) || !(announce_after >= 0)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "answerPlainUpgrades(listener, path, maxHeaderSize, ignoreExtensionOffers, announceAfterMs, budget, deferAccept)");
    return nullptr;
  }
  plain.max_head_size = max_head_size < 1e15 ? static_cast<size_t>(max_head_size) : SIZE_MAX;
  plain.announce_after_ms = announce_after < 1e15 ? static_cast<uint64_t>(announce_after) : 0;
  plain.budget = to_budget(budget);
  return number(env, call.binding->transport().answer_plain_upgrades(handle, plain));
}

// plainUpgradeBudget(listener, budget) → 0 or a libuv error
napi_value PlainUpgradeBudget(napi_env env, napi_callback_info info) {
  Call<2> call;
  Handle handle;
  double budget;
  if (!call.read(env, info) || !read_handle(env, call.argv[0], &handle)) return nullptr;
  if (napi_get_value_double(env, call.argv[1], &budget) != napi_ok || budget != budget) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The budget must be a number");
    return nullptr;
  }
  return number(env, call.binding->transport().plain_upgrade_budget(handle, to_budget(budget)));
}

// closeListener, end, destroy, pause, resume: (handle) → 0 or a libuv error
template <int (Transport::*kMethod)(Handle)>
napi_value HandleCall(napi_env env, napi_callback_info info) {
  Call<1> call;
  Handle handle;
  if (!call.read(env, info) || !read_handle(env, call.argv[0], &handle)) return nullptr;
  return number(env, (call.binding->transport().*kMethod)(handle));
}

// write(handle, chunk | chunks) → bytes queued (0: all handed to the kernel), or a libuv error
napi_value Write(napi_env env, napi_callback_info info) {
  Call<2> call;
  Handle handle;
  if (!call.read(env, info) || !read_handle(env, call.argv[0], &handle)) return nullptr;
  bool is_array;
  if (napi_is_array(env, call.argv[1], &is_array) != napi_ok) return nullptr;
  if (!is_array) {
    uv_buf_t buffer;
    if (!read_chunk(env, call.argv[1], &buffer)) return nullptr;
    return number(env, static_cast<double>(call.binding->transport().write(handle, &buffer, 1)));
  }
  uint32_t count;
  if (napi_get_array_length(env, call.argv[1], &count) != napi_ok) return nullptr;
  uv_buf_t few[16];
  std::vector<uv_buf_t> many;
  uv_buf_t* buffers = few;
  if (count > 16) {
    many.resize(count);
    buffers = many.data();
  }
  for (uint32_t i = 0; i < count; i++) {
    napi_value chunk;
    if (napi_get_element(env, call.argv[1], i, &chunk) != napi_ok || !read_chunk(env, chunk, &buffers[i])) {
      return nullptr;
    }
  }
  return number(env, static_cast<double>(call.binding->transport().write(handle, buffers, count)));
}

// readInto(handle, target: Uint8Array, reportEveryMs) → 0, or a libuv error (UV_EBUSY: a target
// is filling; UV_EOF: the peer ended or the connection is closing)
napi_value ReadInto(napi_env env, napi_callback_info info) {
  Call<3> call;
  Handle handle;
  Bytes target;
  double report_every_ms;
  if (!call.read(env, info) || !read_handle(env, call.argv[0], &handle) ||
      !read_bytes(env, call.argv[1], "The target must be a Uint8Array or Buffer", &target)) {
    return nullptr;
  }
  if (napi_get_value_double(env, call.argv[2], &report_every_ms) != napi_ok || !(report_every_ms >= 0)) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "readInto(handle, target, reportEveryMs)");
    return nullptr;
  }
  const auto every = report_every_ms < 1e15 ? static_cast<uint64_t>(report_every_ms) : UINT64_MAX;
  return number(env, call.binding->read_into(handle, call.argv[1], reinterpret_cast<char*>(target.data), target.length, every));
}

// address(handle, which) with which 0: a connection's local end, 1: its peer, 2: a listener's
// local end → [address, port, family], or a libuv error.
napi_value Address(napi_env env, napi_callback_info info) {
  Call<2> call;
  Handle handle;
  int32_t which;
  if (!call.read(env, info) || !read_handle(env, call.argv[0], &handle) ||
      !read_int32(env, call.argv[1], "which must be a number", &which)) {
    return nullptr;
  }
  sockaddr_storage address;
  const int error = call.binding->transport().address(handle, which == 2, which == 1, &address);
  if (error != 0) return number(env, error);
  char ip[64];
  int port;
  const char* family;
  if (address.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&address);
    uv_ip6_name(in6, ip, sizeof(ip));
    port = ntohs(in6->sin6_port);
    family = "IPv6";
  } else {
    const auto* in4 = reinterpret_cast<const sockaddr_in*>(&address);
    uv_ip4_name(in4, ip, sizeof(ip));
    port = ntohs(in4->sin_port);
    family = "IPv4";
  }
  napi_value result, element;
  if (napi_create_array_with_length(env, 3, &result) != napi_ok) return nullptr;
  napi_create_string_utf8(env, ip, NAPI_AUTO_LENGTH, &element);
  napi_set_element(env, result, 0, element);
  napi_set_element(env, result, 1, number(env, port));
  napi_create_string_utf8(env, family, NAPI_AUTO_LENGTH, &element);
  napi_set_element(env, result, 2, element);
  return result;
}

// stats() → { connections, listeners, connectionSlots, connectionSize, readBufferSize }
napi_value Stats(napi_env env, napi_callback_info info) {
  Call<1> call;
  if (!call.read(env, info)) return nullptr;
  Transport& transport = call.binding->transport();
  napi_value result;
  if (napi_create_object(env, &result) != napi_ok) return nullptr;
  napi_set_named_property(env, result, "connections", number(env, static_cast<double>(transport.connections())));
  napi_set_named_property(env, result, "listeners", number(env, static_cast<double>(transport.listeners())));
  napi_set_named_property(env, result, "unannounced", number(env, static_cast<double>(transport.unannounced())));
  napi_set_named_property(env, result, "plainOpened", number(env, static_cast<double>(transport.plain_opened())));
  napi_set_named_property(env, result, "plainDeclined", number(env, static_cast<double>(transport.plain_declined())));
  napi_set_named_property(env, result, "connectionSlots", number(env, static_cast<double>(transport.connection_slots())));
  napi_set_named_property(env, result, "connectionSize", number(env, static_cast<double>(Transport::connection_size())));
  napi_set_named_property(env, result, "readBufferSize", number(env, static_cast<double>(kReadBufferSize)));
  napi_set_named_property(env, result, "reusedReadBufferSize", number(env, static_cast<double>(kReusedReadBufferSize)));
  return result;
}

}  // namespace

bool register_transport(napi_env env, napi_value exports) {
  uv_loop_t* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return false;
  auto* binding = new Binding(env, loop);
  napi_async_cleanup_hook_handle hook;
  if (napi_add_async_cleanup_hook(env, Binding::on_cleanup, binding, &hook) != napi_ok) {
    delete binding;
    return false;
  }
  napi_value transport;
  if (napi_create_object(env, &transport) != napi_ok) return false;
  const struct {
    const char* name;
    napi_callback callback;
  } functions[] = {
      {"init", Init},
      {"listen", Listen},
      {"adopt", Adopt},
      {"answerPlainUpgrades", AnswerPlainUpgrades},
      {"plainUpgradeBudget", PlainUpgradeBudget},
      {"closeListener", HandleCall<&Transport::close_listener>},
      {"write", Write},
      {"end", HandleCall<&Transport::end>},
      {"destroy", HandleCall<&Transport::destroy>},
      {"readInto", ReadInto},
      {"lendReads", HandleCall<&Transport::lend_reads>},
      {"pause", HandleCall<&Transport::pause>},
      {"resume", HandleCall<&Transport::resume>},
      {"address", Address},
      {"stats", Stats},
  };
  for (const auto& function : functions) {
    napi_value value;
    if (napi_create_function(env, function.name, NAPI_AUTO_LENGTH, function.callback, binding, &value) != napi_ok ||
        napi_set_named_property(env, transport, function.name, value) != napi_ok) {
      return false;
    }
  }
  if (napi_set_named_property(env, transport, "deferAcceptMs", number(env, static_cast<double>(kDeferAcceptMs))) != napi_ok) return false;
  return napi_set_named_property(env, exports, "transport", transport) == napi_ok;
}

}  // namespace transport
}  // namespace wsframe
