// Protocol-level counterparts of Autobahn TestSuite cases not already pinned elsewhere
// (group 2: pings and pongs; group 9: large messages in many chunks).
import { describe, expect, it } from 'vitest';
import { feed, recordedProtocol, sentHex } from './recorder.js';

describe('pings and pongs (Autobahn 2.x)', () => {
  it('2.3: a ping with a binary payload is answered with the same payload', () => {
    const { protocol } = recordedProtocol({ role: 'server' });
    feed(protocol, '8988 00000000 0000fffefdfcfb00');
    expect(sentHex(protocol)).toBe('8a08 0000fffefdfcfb00'.replace(' ', ''));
  });

  it('2.6: a 125-byte ping fed one byte at a time is answered once, whole', () => {
    const { protocol, events } = recordedProtocol({ role: 'server' });
    const wire = Buffer.from('89fd 00000000'.replace(' ', '') + 'fe'.repeat(125), 'hex');
    for (const byte of wire) protocol.receiveData(Buffer.from([byte]));
    expect(events).toEqual([['ping', 'fe'.repeat(125)]]);
    expect(sentHex(protocol)).toBe('8a7d' + 'fe'.repeat(125));
  });

  it('2.7/2.8: an unsolicited pong is reported and not answered', () => {
    const { protocol, events } = recordedProtocol({ role: 'server' });
    feed(protocol, '8a84 00000000 61626364');
    expect(events).toEqual([['pong', '61626364']]);
    expect(sentHex(protocol)).toBe('');
  });

  it('2.10: ten pings get ten pongs, in order', () => {
    const { protocol } = recordedProtocol({ role: 'server' });
    let wire = '';
    let expected = '';
    for (let i = 0; i < 10; i++) {
      wire += '8981 00000000 0' + i;
      expected += '8a010' + i;
    }
    feed(protocol, wire);
    expect(sentHex(protocol)).toBe(expected);
  });
});

describe('pongs held while our output waits (holdPongs; a client whose queue is past its limit)', () => {
  it('pings are reported but not answered; on release one pong answers the latest (§5.5.3)', () => {
    const { protocol, events } = recordedProtocol({ role: 'server' });
    protocol.holdPongs(true);
    const wire = Buffer.from('8981000000000a' + '8981000000000b' + '8982000000000c0d', 'hex');
    protocol.receiveData(wire);
    expect(events).toEqual([['ping', '0a'], ['ping', '0b'], ['ping', '0c0d']]);
    expect(sentHex(protocol)).toBe('');
    wire.fill(0xee); // the chunk the pings came in is read over: the held payload is a copy
    protocol.holdPongs(false);
    expect(sentHex(protocol)).toBe('8a020c0d');
    feed(protocol, '8981 00000000 0e'); // answered at once again
    expect(sentHex(protocol)).toBe('8a010e');
  });

  it('a release with no ping held sends nothing; held twice, the second release sends nothing more', () => {
    const { protocol } = recordedProtocol({ role: 'server' });
    protocol.holdPongs(true);
    protocol.holdPongs(false);
    expect(sentHex(protocol)).toBe('');
    protocol.holdPongs(true);
    feed(protocol, '8980 00000000');
    protocol.holdPongs(false);
    protocol.holdPongs(false);
    expect(sentHex(protocol)).toBe('8a00');
  });

  it('nothing follows our close frame (§5.5.1): a pong still held then is dropped', () => {
    const { protocol } = recordedProtocol({ role: 'server' });
    protocol.holdPongs(true);
    feed(protocol, '8981 00000000 01');
    protocol.sendClose(1000);
    protocol.holdPongs(false);
    expect(sentHex(protocol)).toBe('880203e8');
  });
});

describe('large messages in many chunks (Autobahn 9.x)', () => {
  it('9.1.x-style: over 1 MiB of masked text in 4 KiB chunks arrives whole and intact', () => {
    const { protocol, events } = recordedProtocol({ role: 'server' });
    const text = Buffer.from('héllo wörld, '.repeat(80660).slice(0, 1 << 20));
    const client = recordedProtocol({ role: 'client' });
    client.protocol.sendText(text);
    const wire = Buffer.concat(client.protocol.dataToSend());
    for (let at = 0; at < wire.length; at += 4096) protocol.receiveData(Buffer.from(wire.subarray(at, at + 4096)));
    expect(events.length).toBe(1);
    expect(events[0][0]).toBe('message');
    expect(events[0][1]).toBe(text.toString('hex'));
  });

  it('9.2.x-style: a 1 MiB binary message in 64 fragments', () => {
    const { protocol, events } = recordedProtocol({ role: 'client' });
    const fragment = Buffer.alloc(16384, 0xa5);
    const server = recordedProtocol({ role: 'server' });
    server.protocol.sendBinary(fragment, false);
    for (let i = 1; i < 64; i++) server.protocol.sendContinuation(fragment, i === 63);
    protocol.receiveData(Buffer.concat(server.protocol.dataToSend()));
    expect(events).toEqual([['message', 'a5'.repeat(1 << 20), false]]);
  });
});
