/** The permessage-deflate data path (RFC 7692 §7.2): round trips, takeover, limits, bad data. */
import { constants, createDeflateRaw, createInflateRaw } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DeflateCodec, deflateSettings } from '../../src/extensions/deflate-codec.js';
import type { DeflateParameters } from '../../src/extensions/permessage-deflate.js';
import { WebSocketError } from '../../src/protocol/errors.js';
import { compressedMessage, inflatedMessage } from '../helpers/compressed.js';

const takeover: DeflateParameters = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
const noTakeover: DeflateParameters = { ...takeover, serverNoContextTakeover: true, clientNoContextTakeover: true };
const settings = deflateSettings({ threshold: 0 });

function messages(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.from(JSON.stringify({ id: i, user: `user${i % 7}`, text: 'the quick brown fox '.repeat(1 + (i % 5)) })));
}

describe('DeflateCodec', () => {
  it('RFC 7692 §7.2.3.1: "Hello" compresses to the example bytes and back', () => {
    const codec = new DeflateCodec(noTakeover, 'server', settings);
    expect(Buffer.from(codec.compress(Buffer.from('Hello'))!).toString('hex')).toBe('f248cdc9c90700');
    const receiver = new DeflateCodec(noTakeover, 'client', settings);
    expect(Buffer.from(receiver.transform(Buffer.from('f248cdc9c90700', 'hex'), true, 100) as Uint8Array).toString()).toBe('Hello');
  });

  it('inflates a message split in pieces, whatever the split', () => {
    const compressed = compressedMessage(Buffer.from('a'.repeat(5000) + 'b'.repeat(5000)));
    for (const cut of [1, 2, 7, compressed.length - 1]) {
      const codec = new DeflateCodec(noTakeover, 'server', settings);
      expect(codec.transform(compressed.subarray(0, cut), false, 1e6)).toHaveLength(0);
      const output = codec.transform(compressed.subarray(cut), true, 1e6) as Uint8Array;
      expect(Buffer.from(output).toString()).toBe('a'.repeat(5000) + 'b'.repeat(5000));
    }
  });

  it.each([
    ['context takeover', takeover],
    ['no context takeover', noTakeover],
  ])('%s: 1,000 messages arrive identical, and takeover makes them smaller', (_name, parameters) => {
    const sender = new DeflateCodec(parameters, 'client', settings);
    const receiver = new DeflateCodec(parameters, 'server', settings);
    let compressedBytes = 0;
    for (const message of messages(1000)) {
      const compressed = sender.compress(message)!;
      compressedBytes += compressed.length;
      expect(Buffer.from(receiver.transform(compressed, true, 1e6) as Uint8Array).equals(message)).toBe(true);
    }
    if (parameters === takeover) expect(compressedBytes).toBeLessThan(30_000);
    else expect(compressedBytes).toBeGreaterThan(30_000);
  });

  it('a peer keeping context (a persistent zlib stream) is understood, and understands us', () => {
    // The peer: one raw deflate stream across messages, sync-flushed after each (what ws and browsers do).
    const receiver = new DeflateCodec(takeover, 'server', settings);
    const stream = createDeflateRaw();
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    const all = messages(50);
    return (async () => {
      for (const message of all) {
        chunks.length = 0;
        stream.write(message);
        await new Promise<void>((resolve) => stream.flush(constants.Z_SYNC_FLUSH, () => resolve()));
        const compressed = Buffer.concat(chunks).subarray(0, -4);
        expect(Buffer.from(receiver.transform(compressed, true, 1e6) as Uint8Array).equals(message)).toBe(true);
      }
      stream.close();
    })();
  });

  it('our takeover stream decodes with one persistent inflater (the peer side of takeover)', () => {
    const sender = new DeflateCodec(takeover, 'server', settings);
    const inflater = createInflateRaw();
    const out: Buffer[] = [];
    inflater.on('data', (chunk: Buffer) => out.push(chunk));
    return (async () => {
      for (const message of messages(50)) {
        out.length = 0;
        inflater.write(Buffer.concat([sender.compress(message)!, Buffer.from([0, 0, 0xff, 0xff])]));
        await new Promise<void>((resolve) => inflater.flush(constants.Z_SYNC_FLUSH, () => resolve()));
        expect(Buffer.concat(out).equals(message)).toBe(true);
      }
      inflater.close();
    })();
  });

  it('a decompression bomb fails with 1009 before inflating past the limit', () => {
    const bomb = compressedMessage(Buffer.alloc(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(100_000);
    const codec = new DeflateCodec(noTakeover, 'server', settings);
    const before = process.memoryUsage().arrayBuffers;
    const result = codec.transform(bomb, true, 1024 * 1024);
    expect(result).toBeInstanceOf(WebSocketError);
    expect(result).toMatchObject({ code: 'WS_ERR_MESSAGE_TOO_BIG', closeCode: 1009 });
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
  });

  it('invalid compressed data fails with 1007 and does not throw', () => {
    const codec = new DeflateCodec(noTakeover, 'server', settings);
    expect(codec.transform(Buffer.from([0xff, 0xff, 0xff, 0xff]), true, 1000)).toMatchObject({ code: 'WS_ERR_TRANSFORM_FAILED', closeCode: 1007 });
  });

  it('sends below the threshold and with an 8-bit window uncompressed', () => {
    expect(new DeflateCodec(noTakeover, 'server', deflateSettings({})).compress(Buffer.alloc(1023))).toBeUndefined();
    expect(new DeflateCodec(noTakeover, 'server', deflateSettings({})).compress(Buffer.alloc(1024))).toBeDefined();
    expect(new DeflateCodec({ ...noTakeover, serverMaxWindowBits: 8 }, 'server', settings).compress(Buffer.alloc(5000))).toBeUndefined();
  });

  it('a window of N bits is respected: a persistent inflater with windowBits N decodes our output', () => {
    for (const bits of [9, 10, 12]) {
      const sender = new DeflateCodec({ ...noTakeover, serverMaxWindowBits: bits }, 'server', settings);
      const data = Buffer.from(Array.from({ length: 20000 }, (_, i) => (i * 7919) % 251));
      const compressed = sender.compress(data)!;
      const output = inflatedMessage(compressed, bits);
      expect(output.equals(data)).toBe(true);
    }
  });
});
