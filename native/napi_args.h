// Argument reading shared by the addon's two N-API files (binding.cc, transport/transport_binding.cc):
// a fixed argv, and checks that throw a TypeError naming the argument instead of reaching C++.
#ifndef WSFRAME_NAPI_ARGS_H_
#define WSFRAME_NAPI_ARGS_H_

#include <node_api.h>

#include <cstddef>
#include <cstdint>

namespace wsframe {

// The first kCount arguments (missing ones read as undefined, and then fail their checks), and
// the function's data pointer (what napi_create_function was given).
template <size_t kCount>
struct Args {
  napi_value argv[kCount];
  void* data;
  bool read(napi_env env, napi_callback_info info) {
    size_t argc = kCount;
    return napi_get_cb_info(env, info, &argc, argv, nullptr, &data) == napi_ok;
  }
  napi_value operator[](size_t i) const { return argv[i]; }
};

struct Bytes {
  uint8_t* data;
  size_t length;
};

// Buffers are Uint8Arrays; `data` already points at the view's first byte (byteOffset applied).
inline bool read_typed_array(napi_env env, napi_value value, napi_typedarray_type expected, const char* message,
                      void** data, size_t* length) {
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, value, &type, length, data, nullptr, nullptr) != napi_ok || type != expected) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return false;
  }
  return true;
}

inline bool read_bytes(napi_env env, napi_value value, const char* message, Bytes* out) {
  void* data;
  if (!read_typed_array(env, value, napi_uint8_array, message, &data, &out->length)) return false;
  out->data = static_cast<uint8_t*>(data);
  return true;
}

inline bool read_int32(napi_env env, napi_value value, const char* message, int32_t* out) {
  if (napi_get_value_int32(env, value, out) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return false;
  }
  return true;
}

}  // namespace wsframe

#endif  // WSFRAME_NAPI_ARGS_H_
