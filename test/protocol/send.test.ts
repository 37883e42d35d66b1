// Sending: the serializer's headers (RFC 6455 §5.2), client masking (§5.3), fragments (§5.4),
// and the round trip serialize → parse.
import { describe, expect, it } from 'vitest';
import { feed, recordedProtocol, sentHex } from './recorder.js';

const filled = (length: number) => Buffer.alloc(length, 0x5a);

describe('server frames (unmasked)', () => {
  it.each([
    [0, '8200'],
    [125, '827d'],
    [126, '827e007e'],
    [65535, '827effff'],
    [65536, '827f0000000000010000'],
  ])('a %i-byte payload gets the header %s, and the payload is not copied', (length, header) => {
    const { protocol } = recordedProtocol({ role: 'server' });
    const payload = filled(length);
    protocol.sendBinary(payload);
    expect(protocol.bufferedAmount).toBe(header.length / 2 + length);
    const chunks = protocol.dataToSend();
    expect(Buffer.from(chunks[0]).toString('hex')).toBe(header);
    if (length === 0) expect(chunks.length).toBe(1);
    else expect(chunks[1]).toBe(payload);
    expect(protocol.bufferedAmount).toBe(0);
  });

  it('encodes a string once as UTF-8 text', () => {
    const { protocol } = recordedProtocol({ role: 'server' });
    protocol.sendText('€');
    expect(sentHex(protocol)).toBe('8103e282ac');
  });

  it('sends fragments: first frame with the opcode, then continuations (§5.4)', () => {
    const { protocol } = recordedProtocol({ role: 'server' });
    protocol.sendText('Hel', false);
    protocol.sendPing(Buffer.from('p'));
    protocol.sendContinuation(Buffer.from('lo'), true);
    expect(sentHex(protocol)).toBe('010348656c 890170 80026c6f'.replace(/ /g, ''));
  });

  it('refuses a continuation with no message started, and a new message inside one', () => {
    const { protocol } = recordedProtocol({ role: 'server' });
    const sequence = expect.objectContaining({ code: 'WS_ERR_INVALID_SEND_SEQUENCE' });
    expect(() => protocol.sendContinuation(filled(1), true)).toThrow(sequence);
    protocol.sendBinary(filled(1), false);
    expect(() => protocol.sendText('x')).toThrow(sequence);
    protocol.sendContinuation(filled(1), true);
    expect(sentHex(protocol)).toBe('02015a 80015a'.replace(/ /g, ''));
  });

  it('refuses a ping or pong over 125 bytes', () => {
    const { protocol } = recordedProtocol({ role: 'server' });
    const tooLong = expect.objectContaining({ code: 'WS_ERR_CONTROL_PAYLOAD_TOO_LONG' });
    expect(() => protocol.sendPing(filled(126))).toThrow(tooLong);
    expect(() => protocol.sendPong(filled(126))).toThrow(tooLong);
    protocol.sendPong(filled(125));
    expect(sentHex(protocol)).toBe('8a7d' + '5a'.repeat(125));
  });
});

describe('client frames (masked, §5.3)', () => {
  it.each([0, 125, 126, 65535, 65536])('a %i-byte payload round-trips through a server', (length) => {
    const client = recordedProtocol({ role: 'client' });
    const payload = Buffer.alloc(length);
    for (let i = 0; i < length; i++) payload[i] = i * 7;
    const original = Buffer.from(payload);
    client.protocol.sendBinary(payload);
    const chunks = client.protocol.dataToSend();
    expect(chunks.length).toBe(1); // header, key and masked payload in one new buffer
    expect(chunks[0][1] & 0x80).toBe(0x80);
    expect(payload.equals(original)).toBe(true); // the caller's buffer is untouched
    const server = recordedProtocol({ role: 'server' });
    server.protocol.receiveData(chunks[0]);
    expect(server.events).toEqual([['message', original.toString('hex'), false]]);
  });

  it('draws a different masking key for every frame', () => {
    const { protocol } = recordedProtocol({ role: 'client' });
    const keys = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      protocol.sendBinary(filled(0)); // pool refills after 1024 keys
      keys.add(Buffer.from(protocol.dataToSend()[0].subarray(2, 6)).toString('hex'));
    }
    expect(keys.size).toBeGreaterThan(1990); // 2000 draws from 2^32 keys: a repeat is rare
  });

  it('masks the payload: the masked bytes differ from the plain ones', () => {
    const { protocol } = recordedProtocol({ role: 'client' });
    protocol.sendText('a'.repeat(64));
    const frame = Buffer.from(protocol.dataToSend()[0]);
    const key = frame.subarray(2, 6);
    const unmasked = frame.subarray(6).map((byte, i) => byte ^ key[i & 3]);
    expect(Buffer.from(unmasked).toString()).toBe('a'.repeat(64));
  });

  it('a server text message round-trips through a client, split anywhere', () => {
    const server = recordedProtocol({ role: 'server' });
    server.protocol.sendText('héllo wörld');
    const wire = Buffer.concat(server.protocol.dataToSend());
    for (let cut = 0; cut <= wire.length; cut++) {
      const client = recordedProtocol({ role: 'client' });
      client.protocol.receiveData(Buffer.from(wire.subarray(0, cut)));
      client.protocol.receiveData(Buffer.from(wire.subarray(cut)));
      expect(client.events).toEqual([['message', Buffer.from('héllo wörld').toString('hex'), true]]);
    }
  });
});

describe('feeding what the peer sends', () => {
  it('a client close is answered and both sides end CLOSED', () => {
    const client = recordedProtocol({ role: 'client' });
    const server = recordedProtocol({ role: 'server' });
    client.protocol.sendClose(1000, 'done');
    server.protocol.receiveData(Buffer.concat(client.protocol.dataToSend()));
    client.protocol.receiveData(Buffer.concat(server.protocol.dataToSend()));
    expect(server.events).toEqual([['close', 1000, 'done']]);
    expect(client.events).toEqual([['close', 1000, '']]);
    expect(server.protocol.state).toBe('CLOSED');
    expect(client.protocol.state).toBe('CLOSED');
    feed(server.protocol, '8100');
    expect(server.events.length).toBe(1);
  });
});
