/**
 * permessage-deflate payloads as an independent peer makes and reads them (RFC 7692 §7.2.1,
 * §7.2.2), with node:zlib directly rather than src/extensions: no context takeover.
 */
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';

/** The 4 octets a sync flush ends with: removed by the sender, put back by the receiver. */
const SYNC_FLUSH_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** `data` compressed as one message: DEFLATE, sync-flushed, its tail removed (§7.2.1). */
export function compressedMessage(data: Uint8Array): Buffer {
  return deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -SYNC_FLUSH_TAIL.length);
}

/** A compressed message's payload inflated: the tail put back first (§7.2.2). */
export function inflatedMessage(payload: Uint8Array, windowBits = 15): Buffer {
  return inflateRawSync(Buffer.concat([payload, SYNC_FLUSH_TAIL]), { windowBits, finishFlush: constants.Z_SYNC_FLUSH });
}
