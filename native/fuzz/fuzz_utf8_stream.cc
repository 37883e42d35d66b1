// libFuzzer target: streaming UTF-8 validation (native/README.md) across random splits, under
// every instruction set, against the scalar reference run on everything seen so far.
// Input: 1 byte of flags, split lengths (one byte each, up to 16 pieces), then the text.
#include "fuzz_common.h"

using namespace wsframe;
using namespace wsframe::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input input(data, size);
  const bool final_at_end = (input.byte() & 1) != 0;
  // The split is read from the back of the input so the text is what the fuzzer mutates most.
  Bytes all = input.rest();
  const size_t split_bytes = std::min<size_t>(all.size() / 4, 16);
  Input splits(all.data() + all.size() - split_bytes, split_bytes);
  const Bytes text(all.begin(), all.end() - static_cast<std::ptrdiff_t>(split_bytes));
  const std::vector<size_t> lengths = piece_lengths(splits, text.size(), 17);

  const int32_t whole = utf8_validate_scalar(text.data(), text.size());
  for_each_isa([&](Isa isa) {
    FUZZ_CHECK(kernels_for(isa).utf8_complete(text.data(), text.size()) == (whole == 0), "utf8_complete, length %zu", text.size());
    int32_t state = 0;
    size_t seen = 0;
    for (size_t piece = 0; piece < lengths.size(); piece++) {
      const bool final = final_at_end && piece + 1 == lengths.size();
      Bytes bytes(text.begin() + static_cast<std::ptrdiff_t>(seen), text.begin() + static_cast<std::ptrdiff_t>(seen + lengths[piece]));
      seen += lengths[piece];
      state = validate_utf8(bytes.data(), bytes.size(), state, final);
      const int32_t history = utf8_validate_scalar(text.data(), seen);
      const int32_t expected = final && history != 0 ? kUtf8Invalid : history;
      FUZZ_CHECK(state == expected, "piece %zu of %zu (%zu bytes seen): state %d, reference %d", piece, lengths.size(), seen, state, expected);
      if (state == kUtf8Invalid) break;  // callers stop there (README)
    }
  });
  return 0;
}
