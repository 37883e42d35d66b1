// The example frames of RFC 6455 §5.7, byte for byte, in both directions.
import { describe, expect, it } from 'vitest';
import { clientEvents, feed, recordedProtocol, sentHex } from './recorder.js';

const HELLO = '48656c6c6f';

describe('RFC 6455 §5.7 examples', () => {
  it('a single-frame unmasked text message', () => {
    expect(clientEvents('810548656c6c6f')).toEqual([['message', HELLO, true]]);
  });

  it('a single-frame masked text message', () => {
    const { protocol, events } = recordedProtocol({ role: 'server' });
    feed(protocol, '8185 37fa213d 7f9f4d5158');
    expect(events).toEqual([['message', HELLO, true]]);
  });

  it('a fragmented unmasked text message', () => {
    expect(clientEvents('010348656c 80026c6f')).toEqual([['message', HELLO, true]]);
  });

  it('an unmasked ping is answered with a pong carrying the same payload', () => {
    const { protocol, events } = recordedProtocol({ role: 'client' });
    feed(protocol, '890548656c6c6f');
    expect(events).toEqual([['ping', HELLO]]);
    // The client's pong is masked with a random key: read it back with a server.
    const server = recordedProtocol({ role: 'server' });
    feed(server.protocol, sentHex(protocol));
    expect(server.events).toEqual([['pong', HELLO]]);
  });

  it('a masked pong', () => {
    const { protocol, events } = recordedProtocol({ role: 'server' });
    feed(protocol, '8a85 37fa213d 7f9f4d5158');
    expect(events).toEqual([['pong', HELLO]]);
    expect(sentHex(protocol)).toBe('');
  });

  it('a masked ping is answered with the unmasked pong of the example', () => {
    const { protocol } = recordedProtocol({ role: 'server' });
    feed(protocol, '8985 37fa213d 7f9f4d5158');
    expect(sentHex(protocol)).toBe('8a0548656c6c6f');
  });

  it('256 bytes of binary data in a single unmasked frame (16-bit length)', () => {
    const payload = 'ab'.repeat(256);
    expect(clientEvents('827e0100' + payload)).toEqual([['message', payload, false]]);
  });

  it('64 KiB of binary data in a single unmasked frame (64-bit length)', () => {
    const payload = 'cd'.repeat(65536);
    expect(clientEvents('827f0000000000010000' + payload)).toEqual([['message', payload, false]]);
  });
});
