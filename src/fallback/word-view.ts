/**
 * Int32Array views for the 4-bytes-at-a-time loops of the TypeScript kernels. Creating a typed
 * array costs about 100 ns, as much as a couple of hundred bytes of byte loop. But the frames of
 * one socket read share its chunk, and small Node Buffers share 8 KiB pool slabs, so the view of
 * the last ArrayBuffer seen is kept and reused. Only small ArrayBuffers are kept, so that the
 * cache never holds on to a large message.
 */

const CACHED_MAX_BYTES = 64 * 1024;

let cachedBuffer: ArrayBufferLike | undefined;
let cachedWords: Int32Array = new Int32Array(0);

/**
 * An Int32Array over the whole ArrayBuffer behind `bytes`: byte `bytes[i]` lies in word
 * `(bytes.byteOffset + i) >>> 2`. Only words that lie entirely inside `bytes` may be used.
 */
export function wordsOf(bytes: Uint8Array): Int32Array {
  const buffer = bytes.buffer;
  // A resizable ArrayBuffer may have changed size since its view was made: then make a new one.
  if (buffer === cachedBuffer && cachedWords.length === buffer.byteLength >>> 2) return cachedWords;
  const words = new Int32Array(buffer, 0, buffer.byteLength >>> 2);
  if (buffer.byteLength <= CACHED_MAX_BYTES) {
    cachedBuffer = buffer;
    cachedWords = words;
  }
  return words;
}
