// libFuzzer target: plain_upgrade on any bytes. Its reference is the TypeScript handshake
// (test/handshake/plain-upgrade.test.ts compares the two); here, under ASan and UBSan, it must
// read only the bytes it is given, and what it answers must hold together: the head it measured
// ends with the empty line and is answered the same when given alone, the 101 is the fixed
// lines around base64(SHA-1(key + GUID)) of the one key in the head, and a server that ignores
// extension offers answers at least what one that takes none does. Input: 1 flag byte, the head.
#include <cstring>
#include <string>

#include "fuzz_common.h"
#include "plain_upgrade.h"
#include "sha1.h"

using namespace wsframe;
using namespace wsframe::fuzz;

namespace {

// base64 (RFC 4648 §4) of a 20-byte digest, the plain way.
std::string base64(const uint8_t* bytes, size_t length) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (size_t i = 0; i < length; i++) {
    bits = (bits << 8) | bytes[i];
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += kAlphabet[(bits >> count) & 63];
    }
  }
  if (count > 0) out += kAlphabet[(bits << (6 - count)) & 63];
  while (out.size() % 4 != 0) out += '=';
  return out;
}

// The value of the one Sec-WebSocket-Key line in an answered head (it has exactly one).
std::string key_of(const std::string& head) {
  std::string lower = head;
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
  const size_t line = lower.find("\r\nsec-websocket-key:");
  FUZZ_CHECK(line != std::string::npos, "an answered head without Sec-WebSocket-Key");
  size_t start = line + std::strlen("\r\nsec-websocket-key:");
  while (head[start] == ' ' || head[start] == '\t') start++;
  return head.substr(start, 24);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input input(data, size);
  const bool ignore_extension_offers = (input.byte() & 1) != 0;
  const Bytes bytes = input.rest();  // exactly its size: ASan sees a read past the end
  uint8_t response[kPlainResponseSize];
  std::memset(response, 0, sizeof(response));
  const size_t length = plain_upgrade(bytes.data(), bytes.size(), ignore_extension_offers, response);
  if (length == 0) return 0;
  FUZZ_CHECK(length <= bytes.size(), "head length %zu of %zu bytes", length, bytes.size());
  const std::string head(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(length));
  FUZZ_CHECK(head.compare(0, 4, "GET ") == 0 && head.size() >= 4 && head.compare(head.size() - 4, 4, "\r\n\r\n") == 0,
             "the head does not run from GET to the empty line");
  FUZZ_CHECK(head.find("\r\n\r\n") == head.size() - 4, "the head goes past its first empty line");

  const std::string key = key_of(head);
  const std::string input_key = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  uint8_t digest[kSha1Size];
  sha1(reinterpret_cast<const uint8_t*>(input_key.data()), input_key.size(), digest);
  const std::string expected = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
                               base64(digest, kSha1Size) + "\r\n\r\n";
  FUZZ_CHECK(std::string(reinterpret_cast<const char*>(response), kPlainResponseSize) == expected, "the 101 is not the fixed answer for key %s",
             key.c_str());

  // The head alone gets the same answer; a server ignoring offers answers it too.
  uint8_t again[kPlainResponseSize];
  FUZZ_CHECK(plain_upgrade(reinterpret_cast<const uint8_t*>(head.data()), head.size(), ignore_extension_offers, again) == length &&
                 std::memcmp(again, response, kPlainResponseSize) == 0,
             "the head alone is answered differently");
  if (!ignore_extension_offers) {
    FUZZ_CHECK(plain_upgrade(bytes.data(), bytes.size(), true, again) == length, "ignoring offers declined what taking none answered");
  }
  return 0;
}
