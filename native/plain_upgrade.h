// The server's common opening handshake, answered in one native pass (native/README.md,
// "plainUpgrade"): a complete RFC 6455 §4.2.1 request that needs no decision from the
// application, and its 101. The TypeScript handshake (src/handshake/) is the reference: this
// answers only requests it would accept with exactly these bytes, and declines everything else,
// which then takes the TypeScript path for its answer (test/handshake/plain-upgrade.test.ts
// checks the two against each other).
#ifndef WSFRAME_PLAIN_UPGRADE_H_
#define WSFRAME_PLAIN_UPGRADE_H_

#include <cstddef>
#include <cstdint>

namespace wsframe {

// "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
// "Sec-WebSocket-Accept: " + 28 characters + "\r\n\r\n".
constexpr size_t kPlainResponseSize = 129;

// When `bytes` begins with a whole request head that is a plain upgrade, writes the 101 into
// `response` and returns the head's length (request line through the empty line: where the
// client's first frames begin); otherwise returns 0 and leaves `response` alone.
// `ignore_extension_offers`: the server negotiates no extension, so a well-formed offer is
// answered without one; otherwise a request offering any is declined.
size_t plain_upgrade(const uint8_t* bytes, size_t length, bool ignore_extension_offers,
                     uint8_t response[kPlainResponseSize]);

}  // namespace wsframe

#endif  // WSFRAME_PLAIN_UPGRADE_H_
