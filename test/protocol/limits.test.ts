// maxMessageSize (receiveBufferLimit): a message's payload bytes, across fragments, fail with 1009
// at the frame header that would exceed it. The frame count's own allowance:
// fragment-allowance.cases.ts.
import { describe, expect, it } from 'vitest';
import { clientEvents, feed, recordedProtocol, sentHex } from './recorder.js';

const TOO_BIG: ['error', string, number] = ['error', 'WS_ERR_MESSAGE_TOO_BIG', 1009];

describe('maxMessageSize', () => {
  it('accepts a single frame of exactly the limit and refuses one byte more', () => {
    expect(clientEvents('820a' + '11'.repeat(10), { maxMessageSize: 10 })).toEqual([['message', '11'.repeat(10), false]]);
    expect(clientEvents('820b' + '11'.repeat(11), { maxMessageSize: 10 })).toEqual([TOO_BIG]);
  });

  it('fails at the header of a frame declared too long, before any payload arrives', () => {
    const { protocol, events } = recordedProtocol({ role: 'client', maxMessageSize: 1000 });
    feed(protocol, '827e03e9');
    expect(events).toEqual([TOO_BIG]);
    expect(sentHex(protocol)).not.toBe('');
  });

  it('fails at the header of a frame declaring 2^52 bytes, allocating nothing for it', () => {
    expect(clientEvents('827f0010000000000000')).toEqual([TOO_BIG]);
  });

  it('fails at the header of a frame declaring 2^31 bytes even with the largest limit', () => {
    expect(clientEvents('827f0000000080000000', { maxMessageSize: 0x7fffffff })).toEqual([TOO_BIG]);
  });

  it('counts the payload across fragments, and nothing for the fragments themselves', () => {
    const twoFragments = '0232' + 'aa'.repeat(50) + '8032' + 'bb'.repeat(50);
    expect(clientEvents(twoFragments, { maxMessageSize: 100 })).toEqual([['message', 'aa'.repeat(50) + 'bb'.repeat(50), false]]);
    expect(clientEvents(twoFragments, { maxMessageSize: 99 })).toEqual([TOO_BIG]);
  });

  it('counts each message afresh', () => {
    const events = clientEvents('8208' + '00'.repeat(8) + '8208' + '00'.repeat(8), { maxMessageSize: 8 });
    expect(events).toEqual([
      ['message', '00'.repeat(8), false],
      ['message', '00'.repeat(8), false],
    ]);
  });

  it('does not count control frames interleaved in a message', () => {
    const events = clientEvents('0104 41424344 897d' + '00'.repeat(125) + '8000', { maxMessageSize: 4 });
    expect(events).toEqual([
      ['ping', '00'.repeat(125)],
      ['message', '41424344', true],
    ]);
  });
});

describe('UTF-8 fails fast (Autobahn 6.4.x)', () => {
  it('at the fragment that breaks it, before the message ends', () => {
    const { protocol, events } = recordedProtocol({ role: 'client' });
    feed(protocol, '0105 cebae1bdb9'); // "κό"
    expect(events).toEqual([]);
    feed(protocol, '0004 f4908080'); // above U+10FFFF
    expect(events).toEqual([['error', 'WS_ERR_INVALID_UTF8', 1007]]);
  });

  it('at the chunk that breaks it, inside one frame', () => {
    const { protocol, events } = recordedProtocol({ role: 'server' });
    feed(protocol, '819a 00000000 cebae1bdb9cf83cebcceb5');
    expect(events).toEqual([]);
    feed(protocol, 'f490');
    expect(events).toEqual([['error', 'WS_ERR_INVALID_UTF8', 1007]]);
  });

  it('a character split across fragments is valid', () => {
    expect(clientEvents('0103 cebae1 8002 bdb9')).toEqual([
      ['message', 'cebae1bdb9', true],
    ]);
  });

  it('a message ending inside a character is invalid', () => {
    expect(clientEvents('8103 cebae1')).toEqual([['error', 'WS_ERR_INVALID_UTF8', 1007]]);
  });

  it("deliver 'fragments' hands out the valid pieces before the error", () => {
    const { protocol, events } = recordedProtocol({ role: 'client', deliver: 'fragments' });
    feed(protocol, '8106 cebae1');
    feed(protocol, 'bdc0');
    expect(events).toEqual([
      ['fragment', 'cebae1', true, false],
      ['error', 'WS_ERR_INVALID_UTF8', 1007],
    ]);
  });
});
