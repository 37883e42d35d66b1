// The receive fast path (native/README.md, "scanFrames"): scans the complete, plainly valid
// RFC 6455 §5.2 frames of one socket read, unmasking and validating their payloads in place.
#ifndef WSFRAME_SCAN_FRAMES_H_
#define WSFRAME_SCAN_FRAMES_H_

#include <cstddef>
#include <cstdint>

namespace wsframe {

// Slots of the state array and of each record, as in src/kernels.ts.
constexpr size_t kScanMessage = 0;
constexpr size_t kScanUtf8 = 1;
constexpr size_t kScanConfig = 2;
constexpr size_t kScanMaxPayload = 3;
constexpr size_t kScanStateSize = 4;
constexpr size_t kScanRecordSize = 4;

constexpr int32_t kScanConfigRequireMask = 1;
constexpr int32_t kScanConfigForbidMask = 2;

// Scans `chunk` from `start` (a frame boundary), writes up to `out_length / 4` records into
// `out`, updates `state` (kScanStateSize slots) and returns the number of records.
size_t scan_frames(uint8_t* chunk, size_t chunk_length, size_t start, int32_t* out, size_t out_length,
                   int32_t* state);

}  // namespace wsframe

#endif  // WSFRAME_SCAN_FRAMES_H_
