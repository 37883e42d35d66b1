/** Benchmark inputs: text of a given size (ASCII or mixed multi-byte) and chunks of small frames. */

/** Valid UTF-8 of exactly `size` bytes: ASCII only, or mixed 1-4 byte characters (about half non-ASCII). */
export function textOfSize(size, mixed) {
  const pieces = mixed ? ['hello ', 'é', 'κόσμε ', '€', '日本語', '😀', ' wörld '] : ['hello world, ', 'lorem ipsum '];
  const parts = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const piece = Buffer.from(pieces[i % pieces.length]);
    parts.push(piece);
    length += piece.length;
  }
  const text = Buffer.concat(parts);
  // Cut at a character boundary, then pad with ASCII to the exact size.
  let end = size;
  while (end > 0 && (text[end] & 0xc0) === 0x80) end--;
  const out = Buffer.alloc(size, 0x20);
  text.copy(out, 0, 0, end);
  return out;
}

/**
 * A chunk of `count` masked, final text frames of `payloadSize` ASCII bytes each, as a server
 * receives them. The key is zero so that unmasking in place leaves valid text for the next round.
 */
export function chunkOfTextFrames(count, payloadSize) {
  const payload = textOfSize(payloadSize, false);
  const header = payloadSize < 126 ? Buffer.from([0x81, 0x80 | payloadSize]) : Buffer.from([0x81, 0x80 | 126, payloadSize >> 8, payloadSize & 0xff]);
  const frame = Buffer.concat([header, Buffer.alloc(4), payload]);
  return Buffer.concat(Array.from({ length: count }, () => frame));
}
