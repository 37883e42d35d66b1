// Adds the native transport's functions to the addon's exports, as `exports.transport`.
#ifndef WSFRAME_TRANSPORT_TRANSPORT_BINDING_H_
#define WSFRAME_TRANSPORT_TRANSPORT_BINDING_H_

#include <node_api.h>

namespace wsframe {
namespace transport {

// False when the transport could not be set up (the kernels work without it).
bool register_transport(napi_env env, napi_value exports);

}  // namespace transport
}  // namespace wsframe

#endif  // WSFRAME_TRANSPORT_TRANSPORT_BINDING_H_
