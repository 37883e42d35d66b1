// Listeners run arbitrary code between frames: feeding bytes again, feeding another connection,
// sending, closing, throwing. The parser must stay correct through all of it.
import { describe, expect, it } from 'vitest';
import { Protocol, protocolSettings } from '../../src/protocol/protocol.js';
import type { ProtocolListener } from '../../src/protocol/protocol.js';
import { feed, recordedProtocol, sentHex } from './recorder.js';

function protocolWith(role: 'server' | 'client', message: ProtocolListener['message']): Protocol {
  const ignore = () => {};
  return new Protocol(protocolSettings({ role }), { message, fragment: ignore, ping: ignore, pong: ignore, close: ignore, error: ignore });
}

const text = (data: Uint8Array) => Buffer.from(data).toString();
const wire = (hex: string) => Buffer.from(hex.replace(/\s+/g, ''), 'hex');

describe('listeners', () => {
  it('a message inside one chunk is a view of that chunk, not a copy', () => {
    const chunk = wire('8100 8102 4869');
    const views: Uint8Array[] = [];
    protocolWith('client', (data) => views.push(data)).receiveData(chunk);
    expect(views.map(text)).toEqual(['', 'Hi']);
    expect(views[1].buffer).toBe(chunk.buffer);
    expect(views[1].byteOffset).toBe(chunk.byteOffset + 4);
  });

  it('bytes fed again from inside a listener are parsed after the current chunk, in order', () => {
    const seen: string[] = [];
    const protocol: Protocol = protocolWith('client', (data) => {
      seen.push(text(data));
      if (seen.length === 1) protocol.receiveData(wire('810143'));
    });
    protocol.receiveData(wire('810141 810142'));
    expect(seen).toEqual(['A', 'B', 'C']);
  });

  it('feeding another connection from a listener corrupts neither', () => {
    const seenByB: string[] = [];
    const b = protocolWith('client', (data) => seenByB.push(text(data)));
    const seenByA: string[] = [];
    const a = protocolWith('client', (data) => {
      seenByA.push(text(data));
      b.receiveData(wire('8101 58 8101 59'));
    });
    a.receiveData(wire('8101 41 8101 42 8101 43'));
    expect(seenByA).toEqual(['A', 'B', 'C']);
    expect(seenByB).toEqual(['X', 'Y', 'X', 'Y', 'X', 'Y']);
  });

  it('a listener that sends our close frame still gets the rest of the chunk (until the peer closes)', () => {
    const seen: string[] = [];
    const protocol: Protocol = protocolWith('server', (data) => {
      seen.push(text(data));
      if (seen.length === 1) protocol.sendClose(1000);
    });
    protocol.receiveData(wire('8181 00000000 41 8181 00000000 42'));
    expect(seen).toEqual(['A', 'B']);
    expect(protocol.state).toBe('CLOSING');
  });

  it("a listener's exception reaches the caller, and the protocol parses nothing more", () => {
    const { protocol, events } = recordedProtocol({ role: 'client' });
    const failing = new Protocol(protocolSettings({ role: 'client' }), {
      message() {
        throw new Error('boom');
      },
      fragment() {},
      ping() {},
      pong() {},
      close() {},
      error() {},
    });
    expect(() => failing.receiveData(wire('810141 810142'))).toThrow('boom');
    expect(() => failing.receiveData(wire('810141'))).not.toThrow();
    // The module-level scan arrays were released: another connection still parses normally.
    feed(protocol, '810141 810142');
    expect(events).toEqual([
      ['message', '41', true],
      ['message', '42', true],
    ]);
    expect(sentHex(protocol)).toBe('');
  });
});
