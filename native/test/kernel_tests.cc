// Every instruction set this CPU runs, checked against the scalar reference on random and
// structured inputs: all lengths 0..300 at all alignments 0..63 and key rotations, inputs that
// straddle the 16/32/64-byte vector edges, every byte pair, and the streaming validator and
// scan_frames over every split point. Plain C++ (no Node), so it also runs under ASan/UBSan:
// see CMakeLists.txt.
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "cpu.h"
#include "mask.h"
#include "plain_upgrade.h"
#include "scan_frames.h"
#include "sha1.h"
#include "utf8.h"

namespace {

using namespace wsframe;
using Bytes = std::vector<uint8_t>;

int failures = 0;

#define EXPECT(condition, ...)                                         \
  do {                                                                 \
    if (!(condition) && ++failures <= 20) {                            \
      std::printf("FAIL %s:%d (%s): ", __FILE__, __LINE__, #condition); \
      std::printf(__VA_ARGS__);                                        \
      std::printf("\n");                                               \
    }                                                                  \
  } while (0)

std::mt19937_64 rng(6455);

uint32_t random_below(uint32_t bound) { return static_cast<uint32_t>(rng() % bound); }

void append_code_point(Bytes& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<uint8_t>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<uint8_t>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<uint8_t>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<uint8_t>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<uint8_t>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<uint8_t>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<uint8_t>(0x80 | (cp & 0x3F)));
  }
}

// Byte sequences at the edges of RFC 3629's table, well-formed first, then ill-formed.
const std::vector<Bytes> kValidEdges = {
    {0x7F}, {0xC2, 0x80}, {0xDF, 0xBF}, {0xE0, 0xA0, 0x80}, {0xED, 0x9F, 0xBF}, {0xEE, 0x80, 0x80},
    {0xEF, 0xBF, 0xBF}, {0xF0, 0x90, 0x80, 0x80}, {0xF3, 0xBF, 0xBF, 0xBF}, {0xF4, 0x8F, 0xBF, 0xBF},
};
const std::vector<Bytes> kInvalidEdges = {
    {0x80}, {0xBF}, {0xC0, 0x80}, {0xC1, 0xBF}, {0xC2}, {0xC2, 0xC2}, {0xE0, 0x9F, 0xBF}, {0xED, 0xA0, 0x80},
    {0xED, 0xBF, 0xBF}, {0xE1, 0x80}, {0xE1, 0x80, 0xC0}, {0xF0, 0x8F, 0xBF, 0xBF}, {0xF4, 0x90, 0x80, 0x80},
    {0xF5, 0x80, 0x80, 0x80}, {0xF1, 0x80, 0x80}, {0xF8, 0x88, 0x80, 0x80}, {0xFF}, {0xC2, 0x80, 0x80},
};

// Mostly well-formed text of every sequence length (edge code points included), cut to
// `length` (which may end inside a character), sometimes with one byte damaged.
Bytes random_text(size_t length) {
  static const uint32_t kEdgeCodePoints[] = {0x0, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF};
  Bytes text;
  while (text.size() < length) {
    const uint32_t kind = random_below(10);
    if (kind < 5) {
      text.push_back(static_cast<uint8_t>(0x20 + random_below(0x5F)));
    } else if (kind == 9) {
      append_code_point(text, kEdgeCodePoints[random_below(10)]);
    } else {
      static const uint32_t kRanges[][2] = {{0x80, 0x800}, {0x800, 0xD800}, {0xE000, 0x10000}, {0x10000, 0x110000}};
      const auto& range = kRanges[kind - 5];
      append_code_point(text, range[0] + random_below(range[1] - range[0]));
    }
  }
  text.resize(length);
  if (length > 0 && random_below(2) == 0) {
    const size_t at = random_below(static_cast<uint32_t>(length));
    if (random_below(2) == 0) {
      text[at] = static_cast<uint8_t>(rng());
    } else {
      const Bytes& edge = kInvalidEdges[random_below(static_cast<uint32_t>(kInvalidEdges.size()))];
      for (size_t i = 0; i < edge.size() && at + i < length; i++) text[at + i] = edge[i];
    }
  }
  return text;
}

// ASCII (what most text frames are), sometimes with one multi-byte character or one damaged
// byte: exercises the short-payload ASCII fast paths on both of their outcomes.
Bytes mostly_ascii_text(size_t length) {
  Bytes text(length);
  for (auto& byte : text) byte = static_cast<uint8_t>(0x20 + random_below(0x5F));
  if (length > 0 && random_below(3) != 0) {
    Bytes other;
    if (random_below(2) == 0) {
      append_code_point(other, 0x80 + random_below(0x10FFFF - 0x80));
      if (other.size() == 3 && other[0] == 0xED && other[1] >= 0xA0) other = {0xC3, 0xA9};  // no surrogates
    } else {
      other = {static_cast<uint8_t>(0x80 | rng())};
    }
    const size_t at = random_below(static_cast<uint32_t>(length));
    for (size_t i = 0; i < other.size() && at + i < length; i++) text[at + i] = other[i];
  }
  return text;
}

uint32_t random_key() { return static_cast<uint32_t>(rng()); }

Bytes masked(const Bytes& text, uint32_t key) {
  Bytes out(text.size());
  xor_mask_scalar(text.data(), out.data(), text.size(), key);
  return out;
}

void test_xor_mask(Isa isa) {
  const IsaKernels& kernels = kernels_for(isa);
  constexpr size_t kGuard = 80;
  for (size_t length = 0; length <= 300; length++) {
    for (size_t alignment = 0; alignment < 64; alignment++) {
      Bytes source(length + kGuard), expected(length + 1), output(length + 2 * kGuard, 0xA5);
      for (auto& byte : source) byte = static_cast<uint8_t>(rng());
      const uint8_t* src = source.data() + (alignment * 7) % 64;
      uint8_t* dst = output.data() + alignment;
      const uint32_t base = random_key();
      for (unsigned rotation = 0; rotation < 4; rotation++) {
        const uint32_t key = rotate_key(base, rotation);
        xor_mask_scalar(src, expected.data(), length, key);
        kernels.xor_mask(src, dst, length, key);
        EXPECT(std::memcmp(dst, expected.data(), length) == 0, "%s xor_mask length %zu alignment %zu", isa_name(isa),
               length, alignment);
        kernels.xor_mask(dst, dst, length, key);  // in place: back to the source
        EXPECT(std::memcmp(dst, src, length) == 0, "%s in-place length %zu", isa_name(isa), length);
      }
      for (size_t i = 0; i < output.size(); i++) {
        if (i < alignment || i >= alignment + length) EXPECT(output[i] == 0xA5, "%s wrote outside, length %zu", isa_name(isa), length);
      }
    }
  }
}

// The kernel and its fused form agree with the scalar reference on `text` placed at `alignment`.
void expect_utf8_kernels_agree(Isa isa, const Bytes& text, size_t alignment) {
  const IsaKernels& kernels = kernels_for(isa);
  const bool expected = utf8_complete_scalar(text.data(), text.size());
  if (text.empty()) return;  // the streaming tests cover empty pieces; memcpy needs pointers
  Bytes buffer(text.size() + 64);
  uint8_t* at = buffer.data() + alignment;
  std::memcpy(at, text.data(), text.size());
  EXPECT(kernels.utf8_complete(at, text.size()) == expected, "%s utf8_complete length %zu alignment %zu",
         isa_name(isa), text.size(), alignment);
  const uint32_t key = random_key();
  const Bytes cipher = masked(text, key);
  std::memcpy(at, cipher.data(), cipher.size());
  EXPECT(kernels.unmask_utf8_complete(at, text.size(), key) == expected, "%s unmask_utf8_complete length %zu",
         isa_name(isa), text.size());
  EXPECT(std::memcmp(at, text.data(), text.size()) == 0, "%s unmask_utf8_complete bytes, length %zu", isa_name(isa),
         text.size());
}

void test_utf8_random(Isa isa) {
  for (size_t length = 0; length <= 300; length++) {
    for (size_t alignment = 0; alignment < 64; alignment++) expect_utf8_kernels_agree(isa, random_text(length), alignment);
  }
}

// Edge sequences at every position of inputs one byte short of, at and past each vector width
// and its multiples, in ASCII and in multi-byte surroundings.
void test_utf8_block_edges(Isa isa) {
  const size_t lengths[] = {15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 511, 512, 513};
  for (size_t length : lengths) {
    for (size_t position = 0; position < length; position++) {
      for (const auto* edges : {&kValidEdges, &kInvalidEdges}) {
        for (const Bytes& edge : *edges) {
          Bytes text(length, 'a');
          if (position % 3 == 1) {  // a multi-byte background: 2-byte characters
            text.clear();
            while (text.size() < length) append_code_point(text, 0xE9);
            text.resize(length);
          }
          for (size_t i = 0; i < edge.size() && position + i < length; i++) text[position + i] = edge[i];
          expect_utf8_kernels_agree(isa, text, position % 64);
        }
      }
    }
  }
}

void test_utf8_byte_pairs(Isa isa) {
  for (unsigned first = 0; first < 256; first++) {
    for (unsigned second = 0; second < 256; second++) {
      Bytes text(70, 'a');
      text[63] = static_cast<uint8_t>(first);  // across the 16, 32 and 64-byte vector edges
      text[64] = static_cast<uint8_t>(second);
      expect_utf8_kernels_agree(isa, text, 0);
    }
  }
}

// Any split of a message gives the verdict of the whole; the state after a piece is exactly the
// reference's (fail-fast included); the fused form unmasks every byte at any key offset.
void test_utf8_streaming(Isa isa) {
  use_isa(isa_name(isa));
  for (int round = 0; round < 400; round++) {
    const Bytes text = round % 2 == 0 ? random_text(random_below(200)) : mostly_ascii_text(random_below(300));
    const int32_t whole_state = utf8_validate_scalar(text.data(), text.size());
    const int32_t whole = whole_state == 0 ? 0 : kUtf8Invalid;
    EXPECT(validate_utf8(text.data(), text.size(), 0, true) == whole, "%s whole length %zu", isa_name(isa), text.size());
    const uint32_t key = random_key();
    const Bytes cipher = masked(text, key);
    for (size_t split = 0; split <= text.size(); split++) {
      const int32_t first = validate_utf8(text.data(), split, 0, false);
      EXPECT(first == utf8_validate_scalar(text.data(), split), "%s prefix state, split %zu", isa_name(isa), split);
      const int32_t last = first == kUtf8Invalid ? first : validate_utf8(text.data() + split, text.size() - split, first, true);
      EXPECT(last == whole, "%s split %zu of %zu: %d, whole %d", isa_name(isa), split, text.size(), last, whole);

      Bytes buffer = cipher;
      const int32_t fused_first = unmask_and_validate_utf8(buffer.data(), split, key, 0, false);
      const int32_t fused_last = unmask_and_validate_utf8(buffer.data() + split, text.size() - split,
                                                          rotate_key(key, split), fused_first, true);
      EXPECT(fused_first == first, "%s fused prefix, split %zu", isa_name(isa), split);
      if (first != kUtf8Invalid) EXPECT(fused_last == whole, "%s fused split %zu", isa_name(isa), split);
      EXPECT(buffer == text, "%s fused bytes, split %zu", isa_name(isa), split);
    }
    // Three pieces: the middle one may end inside the same character it started in.
    for (int trial = 0; trial < 20 && text.size() > 1; trial++) {
      const size_t a = random_below(static_cast<uint32_t>(text.size()));
      const size_t b = a + random_below(static_cast<uint32_t>(text.size() - a + 1));
      int32_t state = validate_utf8(text.data(), a, 0, false);
      if (state != kUtf8Invalid) state = validate_utf8(text.data() + a, b - a, state, false);
      if (state != kUtf8Invalid) state = validate_utf8(text.data() + b, text.size() - b, state, true);
      EXPECT(state == whole, "%s three pieces %zu %zu of %zu", isa_name(isa), a, b, text.size());
    }
  }
}

// The streaming verdict from first principles: the pending bytes of `state` and `bytes` validated
// together from a character boundary by the scalar reference.
int32_t reference_continue(int32_t state, const Bytes& bytes, bool final) {
  Bytes all;
  for (int32_t i = 0; i < (state & 3); i++) all.push_back(static_cast<uint8_t>(state >> (2 + 8 * i)));
  all.insert(all.end(), bytes.begin(), bytes.end());
  const int32_t result = utf8_validate_scalar(all.data(), all.size());
  return final && result != 0 ? kUtf8Invalid : result;
}

// Random frame streams (valid and not), scanned under `isa` and under scalar: the same records,
// state and bytes. Under the sanitizers this also checks every header bound.
void test_scan_frames(Isa isa) {
  for (int round = 0; round < 2000; round++) {
    Bytes chunk;
    std::vector<Bytes> payloads;
    const int frames = 1 + static_cast<int>(random_below(6));
    for (int f = 0; f < frames; f++) {
      static const uint8_t kOpcodes[] = {0, 1, 2, 8, 9, 10, 1, 2, 0, 3};
      uint8_t head = kOpcodes[random_below(10)] | (random_below(3) ? 0x80 : 0) | (random_below(20) == 0 ? 0x40 : 0);
      const bool mask = random_below(2) == 0;
      const size_t length = random_below(4) == 0 ? 126 + random_below(300) : random_below(126);
      chunk.push_back(head);
      if (length < 126) {
        chunk.push_back(static_cast<uint8_t>((mask ? 0x80 : 0) | length));
      } else if (random_below(2)) {
        chunk.push_back(static_cast<uint8_t>((mask ? 0x80 : 0) | 126));
        chunk.push_back(static_cast<uint8_t>(length >> 8));
        chunk.push_back(static_cast<uint8_t>(length));
      } else {
        chunk.push_back(static_cast<uint8_t>((mask ? 0x80 : 0) | 127));
        for (int shift = 56; shift >= 0; shift -= 8) chunk.push_back(static_cast<uint8_t>(uint64_t{length} >> shift));
      }
      const uint32_t key = random_key();
      if (mask) {
        uint8_t key_bytes[4];
        std::memcpy(key_bytes, &key, 4);
        chunk.insert(chunk.end(), key_bytes, key_bytes + 4);
      }
      const Bytes payload = round % 2 == 0 ? random_text(length) : mostly_ascii_text(length);
      payloads.push_back(payload);
      const Bytes wire = mask ? masked(payload, key) : payload;
      chunk.insert(chunk.end(), wire.begin(), wire.end());
    }
    chunk.resize(chunk.size() - random_below(static_cast<uint32_t>(chunk.size() / 4 + 1)));  // a read may end anywhere

    const int32_t initial_state[kScanStateSize] = {static_cast<int32_t>(random_below(3)), 0,
                                                   static_cast<int32_t>(random_below(3)), 1 << 20};
    const size_t out_length = kScanRecordSize * (1 + random_below(8));
    Bytes results[2];
    std::vector<int32_t> outs[2], states[2];
    size_t counts[2];
    const Isa order[2] = {Isa::kScalar, isa};
    for (int run = 0; run < 2; run++) {
      use_isa(isa_name(order[run]));
      results[run] = chunk;
      outs[run].assign(out_length, -7);
      states[run].assign(initial_state, initial_state + kScanStateSize);
      counts[run] = scan_frames(results[run].data(), results[run].size(), 0, outs[run].data(), out_length,
                                states[run].data());
    }
    EXPECT(counts[0] == counts[1] && outs[0] == outs[1] && states[0] == states[1] && results[0] == results[1],
           "%s scan_frames round %d", isa_name(isa), round);
    // And each record against the frame it stands for (record i is frame i): the payload unmasked,
    // the verdict of the reference validator continued over the message so far.
    int32_t message = initial_state[kScanMessage], utf8_state = initial_state[kScanUtf8];
    for (size_t r = 0; r < counts[1]; r++) {
      const int32_t* record = outs[1].data() + r * kScanRecordSize;
      const int opcode = record[0] & 0x0F;
      const bool fin = (record[0] & 0x80) != 0;
      const Bytes got(results[1].begin() + record[1], results[1].begin() + record[1] + record[2]);
      EXPECT(got == payloads[r], "%s scan_frames payload, round %d record %zu", isa_name(isa), round, r);
      const bool text = opcode == 1 || (opcode == 0 && message == 1);
      const int32_t expected = text ? reference_continue(utf8_state, got, fin) : 0;
      EXPECT(record[3] == expected, "%s scan_frames verdict %d, expected %d, round %d record %zu", isa_name(isa),
             record[3], expected, round, r);
      if (text) utf8_state = expected;
      if ((opcode == 1 || opcode == 2) && !fin) message = opcode;
      if (opcode == 0 && fin) message = 0;
    }
    EXPECT(states[1][kScanMessage] == message && states[1][kScanUtf8] == utf8_state, "%s scan_frames state, round %d",
           isa_name(isa), round);
  }
}

// A character split between two frames of one text message, around the short-payload size and
// the vector widths: the second frame must finish it (then valid) or be invalid, ASCII or not.
void test_scan_frames_split_character(Isa isa) {
  use_isa(isa_name(isa));
  const size_t lengths[] = {0, 1, 3, 4, 7, 8, 9, 15, 16, 31, 32, 63, 64, 65, 126, 127, 128, 129, 200};
  for (size_t length : lengths) {
    for (int finish = 0; finish < 2; finish++) {
      for (int mask = 0; mask < 2; mask++) {
        Bytes first(length, 'a'), second(length, 'b');
        first.push_back(0xC3);                          // the lead byte of U+00E9
        if (finish) second.insert(second.begin(), 0xA9);  // and its continuation byte
        Bytes chunk;
        const uint32_t key = random_key();
        for (int frame = 0; frame < 2; frame++) {
          const Bytes& payload = frame == 0 ? first : second;
          chunk.push_back(frame == 0 ? 0x01 : 0x80);  // non-final text, then final continuation
          if (payload.size() < 126) {
            chunk.push_back(static_cast<uint8_t>((mask ? 0x80 : 0) | payload.size()));
          } else {
            chunk.push_back(static_cast<uint8_t>((mask ? 0x80 : 0) | 126));
            chunk.push_back(static_cast<uint8_t>(payload.size() >> 8));
            chunk.push_back(static_cast<uint8_t>(payload.size()));
          }
          if (mask) {
            uint8_t key_bytes[4];
            std::memcpy(key_bytes, &key, 4);
            chunk.insert(chunk.end(), key_bytes, key_bytes + 4);
          }
          const Bytes wire = mask ? masked(payload, key) : payload;
          chunk.insert(chunk.end(), wire.begin(), wire.end());
        }
        int32_t out[8];
        int32_t state[kScanStateSize] = {0, 0, 0, 1 << 20};
        const size_t count = scan_frames(chunk.data(), chunk.size(), 0, out, 8, state);
        EXPECT(count == 2 && out[3] == (1 | (0xC3 << 2)) && out[7] == (finish ? 0 : kUtf8Invalid) &&
                   state[kScanUtf8] == out[7] && state[kScanMessage] == 0,
               "%s split character, length %zu finish %d mask %d: %zu records, verdicts %d %d", isa_name(isa), length,
               finish, mask, count, out[3], out[7]);
      }
    }
  }
}

std::string hex(const uint8_t* bytes, size_t length) {
  std::string out;
  char digits[3];
  for (size_t i = 0; i < length; i++) {
    std::snprintf(digits, sizeof(digits), "%02x", bytes[i]);
    out += digits;
  }
  return out;
}

using Sha1 = void (*)(const uint8_t* message, size_t length, uint8_t digest[kSha1Size]);

std::string sha1_hex(Sha1 sha1, const uint8_t* message, size_t length) {
  uint8_t digest[kSha1Size];
  sha1(message, length, digest);
  return hex(digest, kSha1Size);
}

// FIPS 180-2 appendix A's messages, and every length 0..300 (each side of the one- and two-block
// padding edges): the digests of all of them, hashed together, against Python's hashlib. Both
// ways: plain C++ and the one sha1() uses here (the SHA extensions where the CPU has them).
void test_sha1(Sha1 sha1, const char* name) {
  const auto sha1_hex = [&](const uint8_t* message, size_t length) { return ::sha1_hex(sha1, message, length); };
  const auto text = [&](const char* s) { return sha1_hex(reinterpret_cast<const uint8_t*>(s), std::strlen(s)); };
  EXPECT(text("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d", "sha1(abc) %s", text("abc").c_str());
  EXPECT(text("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha1() %s", text("").c_str());
  EXPECT(text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
         "sha1 of FIPS A.2");
  const Bytes million(1000000, 'a');
  EXPECT(sha1_hex(million.data(), million.size()) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f", "sha1 of a million a");
  Bytes pattern(300);
  for (size_t i = 0; i < pattern.size(); i++) pattern[i] = static_cast<uint8_t>(i * 7 + 3);
  Bytes digests;
  for (size_t length = 0; length <= pattern.size(); length++) {
    uint8_t digest[kSha1Size];
    sha1(pattern.data(), length, digest);
    digests.insert(digests.end(), digest, digest + kSha1Size);
  }
  EXPECT(sha1_hex(digests.data(), digests.size()) == "43debf5006166594c976375f1c06253e43d53ddf", "sha1 over lengths 0..300");
  std::printf("sha1 (%s) %s\n", name, failures == 0 ? "ok" : "FAILED");
}

// The RFC 6455 §1.2 request (its subprotocol offer left out) and §1.3's accept value; the rest
// is compared with the TypeScript handshake in test/handshake/plain-upgrade.test.ts.
void test_plain_upgrade() {
  const std::string head =
      "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\nSec-WebSocket-Version: 13\r\n\r\n";
  const std::string with_frame = head + "\x81\x80" "abcd";
  uint8_t response[kPlainResponseSize];
  const size_t length = plain_upgrade(reinterpret_cast<const uint8_t*>(with_frame.data()), with_frame.size(), false, response);
  EXPECT(length == head.size(), "plain_upgrade returned %zu for a head of %zu", length, head.size());
  const std::string expected =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  EXPECT(std::string(reinterpret_cast<const char*>(response), kPlainResponseSize) == expected, "the 101");
  for (size_t cut = 0; cut < head.size(); cut++) {
    EXPECT(plain_upgrade(reinterpret_cast<const uint8_t*>(head.data()), cut, false, response) == 0, "a head cut at %zu", cut);
  }
}

}  // namespace

int main() {
  test_sha1(sha1_scalar, "scalar");
  test_sha1(sha1, sha1_uses_sha_ni() ? "sha-ni" : "scalar again: no SHA extensions here");
  test_plain_upgrade();
  Isa isas[kIsaCount];
  const size_t count = available_isas(isas);
  for (size_t i = 0; i < count; i++) {
    const Isa isa = isas[i];
    const int before = failures;
    test_xor_mask(isa);
    test_utf8_random(isa);
    test_utf8_block_edges(isa);
    test_utf8_byte_pairs(isa);
    test_utf8_streaming(isa);
    test_scan_frames(isa);
    test_scan_frames_split_character(isa);
    std::printf("%-7s %s\n", isa_name(isa), failures == before ? "ok" : "FAILED");
  }
  if (failures > 0) std::printf("%d failures\n", failures);
  return failures == 0 ? 0 : 1;
}
