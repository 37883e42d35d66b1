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

// With the fastest compression this CPU has: the SHA extensions where there are some
// (sha1_shani.cc: half the time of the plain C++ for a handshake's two blocks), else plain C++.
void sha1(const uint8_t* message, size_t length, uint8_t digest[kSha1Size]);
// With the plain C++ compression, whatever the CPU: the reference the other is tested against.
void sha1_scalar(const uint8_t* message, size_t length, uint8_t digest[kSha1Size]);
// Whether sha1() uses the SHA extensions here.
bool sha1_uses_sha_ni();

#if defined(__x86_64__) || defined(_M_X64)
void sha1_compress_sha_ni(uint32_t h[5], const uint8_t block[64]);
#endif

}  // namespace wsframe

#endif  // WSFRAME_SHA1_H_
