// A plain upgrade is a request head, whole in the bytes given, that the TypeScript handshake
// would accept with the plain 101 (no subprotocol, no extension, no extra header). To stay a
// subset of what the reference accepts, this takes only the usual form of each rule and declines
// the rest, which the reference then answers (with a 101 or the refusal it chooses):
// - request line exactly `GET SP request-target SP HTTP/1.1 CRLF`, the target visible ASCII
//   (RFC 7230 §3.1.1), no empty line before it;
// - header lines `token ":" OWS value OWS CRLF` (§3.2), values of HTAB, SP, VCHAR and obs-text;
//   no obs-fold, no bare CR or LF, no other control character;
// - exactly one Host, Upgrade, Connection, Sec-WebSocket-Key and Sec-WebSocket-Version, at most
//   one Origin (RFC 6455 §4.2.1 items 2–7), their values ASCII; Upgrade is `websocket`,
//   Connection a list with `upgrade` in it, the key canonical base64 of 16 bytes, the version 13
//   (all compared ASCII case-insensitively where the RFCs say so);
// - no Sec-WebSocket-Protocol (the application's choice); no Sec-WebSocket-Extensions, or, where
//   the server negotiates none (`ignore_extension_offers`), one line whose list has the usual
//   form: `token *( OWS ";" OWS token [ OWS "=" OWS token ] )` elements between commas (RFC 6455
//   §9.1; quoted-string values are declined), which the reference checks and then ignores;
// - no Content-Length or Transfer-Encoding (§3.3).
// The application's part (path, maxHeaderSize, enabled, maxConnections, origins, verify) is the
// server's to check before it uses the answer (src/server.ts).
#include "plain_upgrade.h"

#include <cstring>

#include "sha1.h"

namespace wsframe {
namespace {

constexpr uint8_t CR = '\r';
constexpr uint8_t LF = '\n';

// What each byte may be, as a bit set per byte value: one load per byte of the head.
constexpr uint8_t kTchar = 1;       // tchar (RFC 7230 §3.2.6)
constexpr uint8_t kFieldChar = 2;   // field-vchar or SP / HTAB inside a value (§3.2.6); obs-text apart
constexpr uint8_t kTargetChar = 4;  // visible ASCII, as a request-target is (RFC 3986 §2)

struct ByteClasses {
  uint8_t of[256] = {};
  constexpr ByteClasses() {
    for (int c = 0x21; c <= 0x7e; c++) of[c] = kFieldChar | kTargetChar;
    of[0x20] = of[0x09] = kFieldChar;  // SP, HTAB
    for (int c = '0'; c <= '9'; c++) of[c] |= kTchar;
    for (int c = 'a'; c <= 'z'; c++) of[c] |= kTchar;
    for (int c = 'A'; c <= 'Z'; c++) of[c] |= kTchar;
    for (const char* c = "!#$%&'*+-.^_`|~"; *c != 0; c++) of[static_cast<uint8_t>(*c)] |= kTchar;
  }
};
constexpr ByteClasses kClasses;

bool is_tchar(uint8_t c) { return (kClasses.of[c] & kTchar) != 0; }

bool is_ows(uint8_t c) { return c == ' ' || c == '\t'; }

uint8_t lower(uint8_t c) { return c >= 'A' && c <= 'Z' ? static_cast<uint8_t>(c | 0x20) : c; }

// `text` is `word` (lower case) compared ASCII case-insensitively.
bool is_word(const uint8_t* text, size_t length, const char* word) {
  if (std::strlen(word) != length) return false;
  for (size_t i = 0; i < length; i++) {
    if (lower(text[i]) != static_cast<uint8_t>(word[i])) return false;
  }
  return true;
}

enum Field { kHost, kUpgrade, kConnection, kKey, kVersion, kOrigin, kExtensions, kFieldCount, kOther, kDecline };

Field field_of(const uint8_t* name, size_t length) {
  switch (length) {
    case 4:
      return is_word(name, length, "host") ? kHost : kOther;
    case 6:
      return is_word(name, length, "origin") ? kOrigin : kOther;
    case 7:
      return is_word(name, length, "upgrade") ? kUpgrade : kOther;
    case 10:
      return is_word(name, length, "connection") ? kConnection : kOther;
    case 14:
      return is_word(name, length, "content-length") ? kDecline : kOther;
    case 17:
      if (is_word(name, length, "sec-websocket-key")) return kKey;
      return is_word(name, length, "transfer-encoding") ? kDecline : kOther;
    case 21:
      return is_word(name, length, "sec-websocket-version") ? kVersion : kOther;
    case 22:
      return is_word(name, length, "sec-websocket-protocol") ? kDecline : kOther;
    case 24:
      return is_word(name, length, "sec-websocket-extensions") ? kExtensions : kOther;
    default:
      return kOther;
  }
}

struct Value {
  const uint8_t* data;
  size_t length;
};

bool is_base64(uint8_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// RFC 6455 §4.2.1 item 5, as src/handshake/accept-key.ts: 21 base64 characters, a 22nd that
// leaves the 4 padding bits zero, then "==".
bool is_canonical_key(Value key) {
  if (key.length != 24) return false;
  for (size_t i = 0; i < 21; i++) {
    if (!is_base64(key.data[i])) return false;
  }
  const uint8_t last = key.data[21];
  return (last == 'A' || last == 'Q' || last == 'g' || last == 'w') && key.data[22] == '=' && key.data[23] == '=';
}

// A list (RFC 7230 §7) with `upgrade` as one of its elements.
bool lists_upgrade(Value list) {
  size_t start = 0;
  while (start <= list.length) {
    size_t end = start;
    while (end < list.length && list.data[end] != ',') end++;
    size_t first = start, last = end;
    while (first < last && is_ows(list.data[first])) first++;
    while (last > first && is_ows(list.data[last - 1])) last--;
    if (is_word(list.data + first, last - first, "upgrade")) return true;
    start = end + 1;
  }
  return false;
}

// Sec-WebSocket-Extensions in the usual form (see the top of this file): at least one extension.
bool is_plain_extension_list(Value list) {
  const uint8_t* p = list.data;
  const uint8_t* const end = p + list.length;
  auto skip_ows = [&] {
    while (p < end && is_ows(*p)) p++;
  };
  auto token = [&] {
    const uint8_t* const start = p;
    while (p < end && is_tchar(*p)) p++;
    return p > start;
  };
  bool any = false;
  for (;;) {
    skip_ows();
    if (p == end) return any;
    if (*p == ',') {  // an empty element (RFC 7230 §7)
      p++;
      continue;
    }
    if (!token()) return false;
    any = true;
    for (;;) {
      skip_ows();
      if (p == end || *p != ';') break;
      p++;
      skip_ows();
      if (!token()) return false;
      skip_ows();
      if (p == end || *p != '=') continue;
      p++;
      skip_ows();
      if (!token()) return false;
    }
    if (p != end && *p++ != ',') return false;
  }
}

const char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// base64 (RFC 4648 §4) of the 20-byte digest: 28 characters, the last one "=".
void encode_digest(const uint8_t digest[kSha1Size], uint8_t* out) {
  size_t o = 0;
  for (size_t i = 0; i < 18; i += 3) {
    const uint32_t group = (uint32_t{digest[i]} << 16) | (uint32_t{digest[i + 1]} << 8) | digest[i + 2];
    out[o++] = kBase64[group >> 18];
    out[o++] = kBase64[(group >> 12) & 63];
    out[o++] = kBase64[(group >> 6) & 63];
    out[o++] = kBase64[group & 63];
  }
  const uint32_t group = (uint32_t{digest[18]} << 16) | (uint32_t{digest[19]} << 8);
  out[o++] = kBase64[group >> 18];
  out[o++] = kBase64[(group >> 12) & 63];
  out[o++] = kBase64[(group >> 6) & 63];
  out[o] = '=';
}

const char kGuid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";  // RFC 6455 §1.3
const char kResponseStart[] =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ";
const char kResponseEnd[] = "\r\n\r\n";
static_assert(sizeof(kResponseStart) - 1 + 28 + sizeof(kResponseEnd) - 1 == kPlainResponseSize, "the 101's size");

// The request line; returns the offset after its CRLF, or 0.
size_t request_line(const uint8_t* bytes, size_t length) {
  if (length < 4 || std::memcmp(bytes, "GET ", 4) != 0) return 0;
  size_t position = 4;
  while (position < length && (kClasses.of[bytes[position]] & kTargetChar) != 0) position++;
  static const char kVersion[] = " HTTP/1.1\r\n";
  const size_t version_length = sizeof(kVersion) - 1;
  if (position == 4 || length - position < version_length || std::memcmp(bytes + position, kVersion, version_length) != 0) {
    return 0;
  }
  return position + version_length;
}

}  // namespace

size_t plain_upgrade(const uint8_t* bytes, size_t length, bool ignore_extension_offers,
                     uint8_t response[kPlainResponseSize]) {
  size_t position = request_line(bytes, length);
  if (position == 0) return 0;
  Value values[kFieldCount] = {};
  unsigned counts[kFieldCount] = {};
  for (;;) {
    if (length - position < 2) return 0;  // incomplete
    if (bytes[position] == CR && bytes[position + 1] == LF) {
      position += 2;  // the empty line: the head is complete
      break;
    }
    // field-name ":" (no whitespace before the colon, §3.2.4; a line starting with it is obs-fold).
    const size_t name_start = position;
    while (position < length && is_tchar(bytes[position])) position++;
    if (position == name_start || position == length || bytes[position] != ':') return 0;
    const Field field = field_of(bytes + name_start, position - name_start);
    if (field == kDecline) return 0;
    position++;
    // OWS field-value OWS CRLF.
    while (position < length && is_ows(bytes[position])) position++;
    const size_t value_start = position;
    bool ascii = true;
    for (; position < length; position++) {
      const uint8_t c = bytes[position];
      if ((kClasses.of[c] & kFieldChar) != 0) continue;
      if (c < 0x80) break;  // a control character: the CR, or one the check below refuses
      ascii = false;
    }
    if (length - position < 2 || bytes[position] != CR || bytes[position + 1] != LF) return 0;
    size_t value_end = position;
    while (value_end > value_start && is_ows(bytes[value_end - 1])) value_end--;
    position += 2;
    if (field == kOther) continue;
    if (!ascii) return 0;
    counts[field]++;
    values[field] = {bytes + value_start, value_end - value_start};
  }
  if (counts[kHost] != 1 || counts[kUpgrade] != 1 || counts[kConnection] != 1 || counts[kKey] != 1 ||
      counts[kVersion] != 1 || counts[kOrigin] > 1 || counts[kExtensions] > (ignore_extension_offers ? 1 : 0)) {
    return 0;
  }
  if (counts[kExtensions] == 1 && !is_plain_extension_list(values[kExtensions])) return 0;
  const Value version = values[kVersion];
  if (!is_word(values[kUpgrade].data, values[kUpgrade].length, "websocket") || !lists_upgrade(values[kConnection]) ||
      !is_canonical_key(values[kKey]) || version.length != 2 || version.data[0] != '1' || version.data[1] != '3') {
    return 0;
  }

  // Sec-WebSocket-Accept: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2 step 5.4).
  uint8_t input[24 + sizeof(kGuid) - 1];
  std::memcpy(input, values[kKey].data, 24);
  std::memcpy(input + 24, kGuid, sizeof(kGuid) - 1);
  uint8_t digest[kSha1Size];
  sha1(input, sizeof(input), digest);
  uint8_t* out = response;
  std::memcpy(out, kResponseStart, sizeof(kResponseStart) - 1);
  out += sizeof(kResponseStart) - 1;
  encode_digest(digest, out);
  out += 28;
  std::memcpy(out, kResponseEnd, sizeof(kResponseEnd) - 1);
  return position;
}

}  // namespace wsframe
