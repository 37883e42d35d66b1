// The N-API glue, and the only file that knows about JavaScript values. Hot functions are
// called once per socket read (or per frame), so they are plain napi_callbacks: one
// napi_get_cb_info into a fixed argv, one N-API call per argument, no Napi::Value or
// CallbackInfo objects, nothing allocated, and a result only from napi_create_int32 or
// napi_get_boolean. Errors are reported as TypeError/RangeError instead of ever reaching C++ UB.
// node-addon-api serves only the cold functions (ISA selection) and module setup.
#include <napi.h>

#include <cmath>
#include <string>

#include "cpu.h"
#include "mask.h"
#include "napi_args.h"
#include "plain_upgrade.h"
#include "scan_frames.h"
#include "transport/transport_binding.h"
#include "utf8.h"

namespace {

using wsframe::Args;
using wsframe::Bytes;
using wsframe::read_bytes;
using wsframe::read_int32;
using wsframe::read_typed_array;

struct Int32s {
  int32_t* data;
  size_t length;
};


bool read_int32s(napi_env env, napi_value value, const char* message, Int32s* out) {
  void* data;
  if (!read_typed_array(env, value, napi_int32_array, message, &data, &out->length)) return false;
  out->data = static_cast<int32_t*>(data);
  return true;
}

bool read_key(napi_env env, napi_value value, Bytes* out) {
  if (!read_bytes(env, value, "The masking key must be a Uint8Array or Buffer", out)) return false;
  if (out->length < 4) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "The masking key must have at least 4 bytes");
    return false;
  }
  return true;
}

// An integer in 0..max (a length or an offset).
bool read_index(napi_env env, napi_value value, size_t max, const char* message, size_t* out) {
  double number;
  if (napi_get_value_double(env, value, &number) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return false;
  }
  if (!(number >= 0 && number <= static_cast<double>(max)) || std::floor(number) != number) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
    return false;
  }
  *out = static_cast<size_t>(number);
  return true;
}

bool read_bool(napi_env env, napi_value value, const char* message, bool* out) {
  if (napi_get_value_bool(env, value, out) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return false;
  }
  return true;
}

napi_value int32_result(napi_env env, int32_t value) {
  napi_value result;
  return napi_create_int32(env, value, &result) == napi_ok ? result : nullptr;
}

// mask(source, key, output, offset, length)
napi_value Mask(napi_env env, napi_callback_info info) {
  Args<5> args;
  Bytes source, key, output;
  size_t offset, length;
  if (!args.read(env, info) || !read_bytes(env, args[0], "source must be a Uint8Array or Buffer", &source) ||
      !read_key(env, args[1], &key) || !read_bytes(env, args[2], "output must be a Uint8Array or Buffer", &output) ||
      !read_index(env, args[3], output.length, "offset must be an integer within output", &offset) ||
      !read_index(env, args[4], std::min(source.length, output.length - offset),
                  "length must be an integer within source and output", &length)) {
    return nullptr;
  }
  wsframe::mask(source.data, key.data, output.data + offset, length);
  return nullptr;
}

// unmask(buffer, key)
napi_value Unmask(napi_env env, napi_callback_info info) {
  Args<2> args;
  Bytes buffer, key;
  if (!args.read(env, info) || !read_bytes(env, args[0], "buffer must be a Uint8Array or Buffer", &buffer) ||
      !read_key(env, args[1], &key)) {
    return nullptr;
  }
  wsframe::unmask(buffer.data, buffer.length, key.data);
  return nullptr;
}

// isValidUtf8(buffer)
napi_value IsValidUtf8(napi_env env, napi_callback_info info) {
  Args<1> args;
  Bytes buffer;
  if (!args.read(env, info) || !read_bytes(env, args[0], "buffer must be a Uint8Array or Buffer", &buffer)) {
    return nullptr;
  }
  napi_value result;
  const bool valid = wsframe::validate_utf8(buffer.data, buffer.length, 0, true) == 0;
  return napi_get_boolean(env, valid, &result) == napi_ok ? result : nullptr;
}

// validateUtf8(buffer, state, final)
napi_value ValidateUtf8(napi_env env, napi_callback_info info) {
  Args<3> args;
  Bytes buffer;
  int32_t state;
  bool final;
  if (!args.read(env, info) || !read_bytes(env, args[0], "buffer must be a Uint8Array or Buffer", &buffer) ||
      !read_int32(env, args[1], "state must be a number", &state) ||
      !read_bool(env, args[2], "final must be a boolean", &final)) {
    return nullptr;
  }
  return int32_result(env, wsframe::validate_utf8(buffer.data, buffer.length, state, final));
}

// unmaskAndValidate(buffer, key, keyOffset, state, final)
napi_value UnmaskAndValidate(napi_env env, napi_callback_info info) {
  Args<5> args;
  Bytes buffer, key;
  size_t key_offset;
  int32_t state;
  bool final;
  if (!args.read(env, info) || !read_bytes(env, args[0], "buffer must be a Uint8Array or Buffer", &buffer) ||
      !read_key(env, args[1], &key) ||
      !read_index(env, args[2], (uint64_t{1} << 53) - 1, "keyOffset must be a non-negative integer", &key_offset) ||
      !read_int32(env, args[3], "state must be a number", &state) ||
      !read_bool(env, args[4], "final must be a boolean", &final)) {
    return nullptr;
  }
  const uint32_t rotated_key = wsframe::rotate_key(wsframe::load_key(key.data), key_offset);
  return int32_result(env, wsframe::unmask_and_validate_utf8(buffer.data, buffer.length, rotated_key, state, final));
}

// scanFrames(chunk, start, out, state)
napi_value ScanFrames(napi_env env, napi_callback_info info) {
  Args<4> args;
  Bytes chunk;
  Int32s out, state;
  size_t start;
  if (!args.read(env, info) || !read_bytes(env, args[0], "chunk must be a Uint8Array or Buffer", &chunk) ||
      !read_index(env, args[1], chunk.length, "start must be an integer within chunk", &start) ||
      !read_int32s(env, args[2], "out must be an Int32Array", &out) ||
      !read_int32s(env, args[3], "state must be an Int32Array", &state)) {
    return nullptr;
  }
  // Records hold payload offsets as int32.
  if (chunk.length > INT32_MAX) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "chunk must be shorter than 2^31 bytes");
    return nullptr;
  }
  if (state.length < wsframe::kScanStateSize) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "state must have 4 slots");
    return nullptr;
  }
  const size_t records = wsframe::scan_frames(chunk.data, chunk.length, start, out.data, out.length, state.data);
  return int32_result(env, static_cast<int32_t>(records));
}

// plainUpgrade(head, ignoreExtensionOffers, response): the head's length with the 101 in
// `response`, or 0 (declined).
napi_value PlainUpgrade(napi_env env, napi_callback_info info) {
  Args<3> args;
  Bytes head, response;
  bool ignore_extension_offers;
  if (!args.read(env, info) || !read_bytes(env, args[0], "head must be a Uint8Array or Buffer", &head) ||
      !read_bool(env, args[1], "ignoreExtensionOffers must be a boolean", &ignore_extension_offers) ||
      !read_bytes(env, args[2], "response must be a Uint8Array or Buffer", &response)) {
    return nullptr;
  }
  if (response.length < wsframe::kPlainResponseSize) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "response must have room for the 101 (129 bytes)");
    return nullptr;
  }
  // A head is at most a read (64 KiB); anything past int32 is declined, not scanned.
  if (head.length > INT32_MAX) return int32_result(env, 0);
  const size_t length = wsframe::plain_upgrade(head.data, head.length, ignore_extension_offers, response.data);
  return int32_result(env, static_cast<int32_t>(length));
}

Napi::Value GetIsa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), wsframe::isa_name(wsframe::current_isa()));
}

Napi::Value AvailableIsas(const Napi::CallbackInfo& info) {
  wsframe::Isa isas[wsframe::kIsaCount];
  const size_t count = wsframe::available_isas(isas);
  Napi::Array names = Napi::Array::New(info.Env(), count);
  for (size_t i = 0; i < count; i++) names.Set(static_cast<uint32_t>(i), wsframe::isa_name(isas[i]));
  return names;
}

// useIsa(name): tests run every SIMD path on one machine this way.
Napi::Value UseIsa(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  if (!info[0].IsString()) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "The ISA name must be a string");
    return Napi::Value();
  }
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  if (!wsframe::use_isa(name.c_str())) {
    const std::string message = "ISA '" + name + "' is not available on this CPU";
    napi_throw_error(env, "ERR_WSFRAME_ISA_UNAVAILABLE", message.c_str());
  }
  return Napi::Value();
}

void SetFunction(Napi::Env env, Napi::Object exports, const char* name, napi_callback callback) {
  napi_value function;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, callback, nullptr, &function) == napi_ok) {
    exports.Set(name, Napi::Value(env, function));
  }
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  SetFunction(env, exports, "mask", Mask);
  SetFunction(env, exports, "unmask", Unmask);
  SetFunction(env, exports, "isValidUtf8", IsValidUtf8);
  SetFunction(env, exports, "validateUtf8", ValidateUtf8);
  SetFunction(env, exports, "unmaskAndValidate", UnmaskAndValidate);
  SetFunction(env, exports, "scanFrames", ScanFrames);
  SetFunction(env, exports, "plainUpgrade", PlainUpgrade);
  exports.Set("availableIsas", Napi::Function::New<AvailableIsas>(env, "availableIsas"));
  exports.Set("useIsa", Napi::Function::New<UseIsa>(env, "useIsa"));
  exports.DefineProperty(Napi::PropertyDescriptor::Accessor<GetIsa>("isa", napi_enumerable));
  wsframe::transport::register_transport(env, exports);  // no `transport` export if it fails
  return exports;
}

}  // namespace

NODE_API_MODULE(wsframe, Init)
