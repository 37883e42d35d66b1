// The N-API glue, and the only file that knows about JavaScript values. Hot functions are
// called once per socket read (or per frame), so each argument costs one N-API call, nothing is
// allocated, and errors are reported as TypeError/RangeError instead of ever reaching C++ UB.
#include <napi.h>

#include <cmath>
#include <string>

#include "cpu.h"
#include "mask.h"
#include "scan_frames.h"
#include "utf8.h"

namespace {

struct Bytes {
  uint8_t* data;
  size_t length;
};

struct Int32s {
  int32_t* data;
  size_t length;
};

// Buffers are Uint8Arrays; `data` already points at the view's first byte (byteOffset applied).
bool read_typed_array(napi_env env, napi_value value, napi_typedarray_type expected, const char* message,
                      void** data, size_t* length) {
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, value, &type, length, data, nullptr, nullptr) != napi_ok || type != expected) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return false;
  }
  return true;
}

bool read_bytes(napi_env env, napi_value value, const char* message, Bytes* out) {
  void* data;
  if (!read_typed_array(env, value, napi_uint8_array, message, &data, &out->length)) return false;
  out->data = static_cast<uint8_t*>(data);
  return true;
}

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

bool read_int32(napi_env env, napi_value value, const char* message, int32_t* out) {
  if (napi_get_value_int32(env, value, out) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return false;
  }
  return true;
}

bool read_bool(napi_env env, napi_value value, const char* message, bool* out) {
  if (napi_get_value_bool(env, value, out) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return false;
  }
  return true;
}

Napi::Value int32_result(napi_env env, int32_t value) {
  napi_value result;
  napi_create_int32(env, value, &result);
  return Napi::Value(env, result);
}

// mask(source, key, output, offset, length)
Napi::Value Mask(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  Bytes source, key, output;
  size_t offset, length;
  if (!read_bytes(env, info[0], "source must be a Uint8Array or Buffer", &source) || !read_key(env, info[1], &key) ||
      !read_bytes(env, info[2], "output must be a Uint8Array or Buffer", &output) ||
      !read_index(env, info[3], output.length, "offset must be an integer within output", &offset) ||
      !read_index(env, info[4], std::min(source.length, output.length - offset),
                  "length must be an integer within source and output", &length)) {
    return Napi::Value();
  }
  wsframe::mask(source.data, key.data, output.data + offset, length);
  return Napi::Value();
}

// unmask(buffer, key)
Napi::Value Unmask(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  Bytes buffer, key;
  if (!read_bytes(env, info[0], "buffer must be a Uint8Array or Buffer", &buffer) || !read_key(env, info[1], &key)) {
    return Napi::Value();
  }
  wsframe::unmask(buffer.data, buffer.length, key.data);
  return Napi::Value();
}

// isValidUtf8(buffer)
Napi::Value IsValidUtf8(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  Bytes buffer;
  if (!read_bytes(env, info[0], "buffer must be a Uint8Array or Buffer", &buffer)) return Napi::Value();
  return Napi::Boolean::New(env, wsframe::validate_utf8(buffer.data, buffer.length, 0, true) == 0);
}

// validateUtf8(buffer, state, final)
Napi::Value ValidateUtf8(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  Bytes buffer;
  int32_t state;
  bool final;
  if (!read_bytes(env, info[0], "buffer must be a Uint8Array or Buffer", &buffer) ||
      !read_int32(env, info[1], "state must be a number", &state) ||
      !read_bool(env, info[2], "final must be a boolean", &final)) {
    return Napi::Value();
  }
  return int32_result(env, wsframe::validate_utf8(buffer.data, buffer.length, state, final));
}

// unmaskAndValidate(buffer, key, keyOffset, state, final)
Napi::Value UnmaskAndValidate(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  Bytes buffer, key;
  size_t key_offset;
  int32_t state;
  bool final;
  if (!read_bytes(env, info[0], "buffer must be a Uint8Array or Buffer", &buffer) || !read_key(env, info[1], &key) ||
      !read_index(env, info[2], (uint64_t{1} << 53) - 1, "keyOffset must be a non-negative integer", &key_offset) ||
      !read_int32(env, info[3], "state must be a number", &state) ||
      !read_bool(env, info[4], "final must be a boolean", &final)) {
    return Napi::Value();
  }
  const uint32_t rotated_key = wsframe::rotate_key(wsframe::load_key(key.data), key_offset);
  return int32_result(env, wsframe::unmask_and_validate_utf8(buffer.data, buffer.length, rotated_key, state, final));
}

// scanFrames(chunk, start, out, state)
Napi::Value ScanFrames(const Napi::CallbackInfo& info) {
  napi_env env = info.Env();
  Bytes chunk;
  Int32s out, state;
  size_t start;
  if (!read_bytes(env, info[0], "chunk must be a Uint8Array or Buffer", &chunk) ||
      !read_index(env, info[1], chunk.length, "start must be an integer within chunk", &start) ||
      !read_int32s(env, info[2], "out must be an Int32Array", &out) ||
      !read_int32s(env, info[3], "state must be an Int32Array", &state)) {
    return Napi::Value();
  }
  // Records hold payload offsets as int32.
  if (chunk.length > INT32_MAX) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "chunk must be shorter than 2^31 bytes");
    return Napi::Value();
  }
  if (state.length < wsframe::kScanStateSize) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "state must have 4 slots");
    return Napi::Value();
  }
  const size_t records = wsframe::scan_frames(chunk.data, chunk.length, start, out.data, out.length, state.data);
  return int32_result(env, static_cast<int32_t>(records));
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

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("mask", Napi::Function::New<Mask>(env, "mask"));
  exports.Set("unmask", Napi::Function::New<Unmask>(env, "unmask"));
  exports.Set("isValidUtf8", Napi::Function::New<IsValidUtf8>(env, "isValidUtf8"));
  exports.Set("validateUtf8", Napi::Function::New<ValidateUtf8>(env, "validateUtf8"));
  exports.Set("unmaskAndValidate", Napi::Function::New<UnmaskAndValidate>(env, "unmaskAndValidate"));
  exports.Set("scanFrames", Napi::Function::New<ScanFrames>(env, "scanFrames"));
  exports.Set("availableIsas", Napi::Function::New<AvailableIsas>(env, "availableIsas"));
  exports.Set("useIsa", Napi::Function::New<UseIsa>(env, "useIsa"));
  exports.DefineProperty(Napi::PropertyDescriptor::Accessor<GetIsa>("isa", napi_enumerable));
  return exports;
}

}  // namespace

NODE_API_MODULE(wsframe, Init)
