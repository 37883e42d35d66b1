// Every framing rule of RFC 6455 §5 with the error code and the close frame it produces.
// Client frames are masked with the key 00000000 so the payload reads as plain hex; the server
// sends unmasked frames, so the close frame it queues is exact hex too.
import { describe, expect, it } from 'vitest';
import { clientEvents, feed, recordedProtocol, sentHex } from './recorder.js';

/** A server fed `wire`: its events, the hex it wants to send, its state. */
function server(wire: string) {
  const { protocol, events } = recordedProtocol({ role: 'server' });
  feed(protocol, wire);
  return { events, sent: sentHex(protocol), state: protocol.state };
}

const CLOSE_1002 = '880203ea';
const CLOSE_1007 = '880203ef';

describe('frame rules (RFC 6455 §5.2-§5.5)', () => {
  it.each([
    ['RSV1 without an extension', 'c180 00000000', 'WS_ERR_UNEXPECTED_RSV_1'],
    ['RSV2', 'a180 00000000', 'WS_ERR_UNEXPECTED_RSV_2'],
    ['RSV3', '9180 00000000', 'WS_ERR_UNEXPECTED_RSV_3'],
    ['a fragmented ping (§5.5)', '0980 00000000', 'WS_ERR_EXPECTED_FIN'],
    ['a fragmented close (§5.5)', '0880 00000000', 'WS_ERR_EXPECTED_FIN'],
    ['a ping of 126 bytes (§5.5)', '89fe007e 00000000' + '00'.repeat(126), 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH'],
    ['a 64-bit length with its top bit set', '82ff 8000000000000000 00000000', 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH'],
    ['an unmasked client frame (§5.1)', '810548656c6c6f', 'WS_ERR_EXPECTED_MASK'],
    ['a continuation with no message (§5.4)', '8081 00000000 41', 'WS_ERR_INVALID_CONTINUATION_FRAME'],
    ['a text frame inside a fragmented message (§5.4)', '0181 00000000 41 8181 00000000 42', 'WS_ERR_EXPECTED_CONTINUATION_FRAME'],
    ['a binary frame inside a fragmented message (§5.4)', '0281 00000000 41 8281 00000000 42', 'WS_ERR_EXPECTED_CONTINUATION_FRAME'],
  ])('%s → 1002 %s', (_, wire, code) => {
    const { events, sent, state } = server(wire);
    expect(events).toEqual([['error', code, 1002]]);
    expect(sent).toBe(CLOSE_1002);
    expect(state).toBe('CLOSING');
  });

  it.each(['3', '4', '5', '6', '7', 'b', 'c', 'd', 'e', 'f'])('reserved opcode %s → 1002 WS_ERR_INVALID_OPCODE', (opcode) => {
    const { events, sent } = server(`8${opcode}80 00000000`);
    expect(events).toEqual([['error', 'WS_ERR_INVALID_OPCODE', 1002]]);
    expect(sent).toBe(CLOSE_1002);
  });

  it('a masked server frame → 1002 WS_ERR_UNEXPECTED_MASK (the client masks its close frame)', () => {
    const { protocol, events } = recordedProtocol({ role: 'client' });
    feed(protocol, '8185 00000000 48656c6c6f');
    expect(events).toEqual([['error', 'WS_ERR_UNEXPECTED_MASK', 1002]]);
    expect(protocol.closeSent).toEqual({ code: 1002, reason: '' });
    const peer = recordedProtocol({ role: 'server' });
    feed(peer.protocol, sentHex(protocol));
    expect(peer.events).toEqual([['close', 1002, '']]);
  });

  it('fails at the first byte that breaks a rule, before the rest of the header', () => {
    expect(server('83').events).toEqual([['error', 'WS_ERR_INVALID_OPCODE', 1002]]);
    expect(server('89fe').events).toEqual([['error', 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH', 1002]]);
    expect(server('8105').events).toEqual([['error', 'WS_ERR_EXPECTED_MASK', 1002]]);
  });

  it('text that is not UTF-8 → 1007 WS_ERR_INVALID_UTF8 (§8.1)', () => {
    const { events, sent } = server('8182 00000000 c328');
    expect(events).toEqual([['error', 'WS_ERR_INVALID_UTF8', 1007]]);
    expect(sent).toBe(CLOSE_1007);
  });

  it('accepts a non-minimal length encoding, as most peers do', () => {
    expect(clientEvents('827e0002 abcd')).toEqual([['message', 'abcd', false]]);
    expect(clientEvents('827f0000000000000002 abcd')).toEqual([['message', 'abcd', false]]);
  });

  it('delivers the messages that arrived before a violation, then reports it', () => {
    const { events } = server('8182 00000000 4869 8380 00000000');
    expect(events).toEqual([
      ['message', '4869', true],
      ['error', 'WS_ERR_INVALID_OPCODE', 1002],
    ]);
  });

  it('ignores every byte after a violation', () => {
    const { protocol, events } = recordedProtocol({ role: 'server' });
    feed(protocol, '8380 00000000');
    feed(protocol, '8182 00000000 4869 8980 00000000');
    expect(events).toEqual([['error', 'WS_ERR_INVALID_OPCODE', 1002]]);
    expect(sentHex(protocol)).toBe(CLOSE_1002);
  });

  it('empty text, binary and ping frames', () => {
    expect(clientEvents('8100 8200 8900 8a00')).toEqual([
      ['message', '', true],
      ['message', '', false],
      ['ping', ''],
      ['pong', ''],
    ]);
  });

  it('an empty close frame at the very end of a chunk is handled at once', () => {
    const { protocol, events } = recordedProtocol({ role: 'server' });
    feed(protocol, '8180 00000000 8880');
    feed(protocol, '00000000');
    expect(events).toEqual([
      ['message', '', true],
      ['close', 1005, ''],
    ]);
    expect(sentHex(protocol)).toBe('8800');
  });
});

describe('fragmentation (RFC 6455 §5.4)', () => {
  it('reassembles fragments with pings, pongs and a close interleaved', () => {
    const { protocol, events } = recordedProtocol({ role: 'server' });
    feed(protocol, '0182 00000000 4865 8981 00000000 70 0081 00000000 6c 8a80 00000000 8082 00000000 6c6f');
    expect(events).toEqual([
      ['ping', '70'],
      ['pong', ''],
      ['message', '48656c6c6f', true],
    ]);
    expect(sentHex(protocol)).toBe('8a0170');
  });

  it('a close frame inside a fragmented message ends it: the partial message is never delivered', () => {
    const { events } = server('0182 00000000 4865 8882 00000000 03e8 8082 00000000 6c6f');
    expect(events).toEqual([['close', 1000, '']]);
  });

  it('empty fragments, binary', () => {
    expect(clientEvents('0200 0001ab 0000 8000')).toEqual([['message', 'ab', false]]);
  });

  it("deliver 'fragments' hands out each frame's payload, final on the last", () => {
    expect(clientEvents('010348656c 8a00 80026c6f', { deliver: 'fragments' })).toEqual([
      ['fragment', '48656c', true, false],
      ['pong', ''],
      ['fragment', '6c6f', true, true],
    ]);
  });

  it("deliver 'fragments' hands out a frame split across chunks piece by piece", () => {
    const { protocol, events } = recordedProtocol({ role: 'client', deliver: 'fragments' });
    feed(protocol, '8205 0102');
    feed(protocol, '03');
    feed(protocol, '0405');
    expect(events).toEqual([
      ['fragment', '0102', false, false],
      ['fragment', '03', false, false],
      ['fragment', '0405', false, true],
    ]);
  });
});
