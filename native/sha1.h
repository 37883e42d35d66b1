// SHA-1 (RFC 3174, FIPS 180-4) for one short message: the handshake's Sec-WebSocket-Accept is
// base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2 step 5.4). Not a security use: the hash only proves
// that the server read the key. Its own code rather than Node's OpenSSL, whose symbols an addon
// cannot count on every platform exporting.
#ifndef WSFRAME_SHA1_H_
#define WSFRAME_SHA1_H_

#include <cstddef>
#include <cstdint>

namespace wsframe {

constexpr size_t kSha1Size = 20;

void sha1(const uint8_t* message, size_t length, uint8_t digest[kSha1Size]);

}  // namespace wsframe

#endif  // WSFRAME_SHA1_H_
