// UTF-8 validation (RFC 3629 §4; RFC 6455 §8.1): the scalar reference, the rules every SIMD
// variant must agree with, and the streaming entry points of native/README.md.
#ifndef WSFRAME_UTF8_H_
#define WSFRAME_UTF8_H_

#include <cstddef>
#include <cstdint>

namespace wsframe {

// Streaming state: 0 at a character boundary, otherwise n | b0 << 2 | b1 << 10 | b2 << 18 for
// the n (1..3) bytes pending of an unfinished character; kUtf8Invalid once the bytes seen cannot
// start valid UTF-8.
constexpr int32_t kUtf8Invalid = -1;

// The well-formed sequence at `bytes`: its length (1..4) when complete; 0 when the `available`
// bytes are a valid but unfinished prefix of one; -1 when they cannot start one.
int utf8_sequence_length(const uint8_t* bytes, size_t available);

// Validates from a character boundary: the streaming state after the bytes, or kUtf8Invalid.
int32_t utf8_validate_scalar(const uint8_t* bytes, size_t length);

bool utf8_complete_scalar(const uint8_t* bytes, size_t length);
bool unmask_utf8_complete_scalar(uint8_t* bytes, size_t length, uint32_t key);

// Entry points over the dispatched kernels (native/README.md): continue from `state`; the new
// state, or kUtf8Invalid; with `final`, a message ending inside a character is invalid.
int32_t validate_utf8(const uint8_t* bytes, size_t length, int32_t state, bool final);
// Unmasks every byte in place with `key` (as from load_key, already rotated to the piece's
// offset in its frame), and returns the validate_utf8 verdict on the result.
int32_t unmask_and_validate_utf8(uint8_t* bytes, size_t length, uint32_t key, int32_t state, bool final);

}  // namespace wsframe

#endif  // WSFRAME_UTF8_H_
