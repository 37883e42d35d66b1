// The RSV1 hook (RFC 7692 §6.1) for an extension that transforms message payloads: which frames
// may set RSV1, what the transform sees, and how its output is limited and validated.
import { describe, expect, it } from 'vitest';
import { WebSocketError } from '../../src/protocol/errors.js';
import { protocolSettings } from '../../src/protocol/protocol.js';
import type { MessageTransform } from '../../src/protocol/frame-parser.js';
import { clientEvents, feed, recordedProtocol } from './recorder.js';

/** A toy transform: every byte twice. It records the pieces it was given. */
function doubling(): MessageTransform & { calls: [string, boolean][] } {
  const calls: [string, boolean][] = [];
  return {
    calls,
    transform(piece, final) {
      calls.push([Buffer.from(piece).toString('hex'), final]);
      const output = new Uint8Array(2 * piece.length);
      for (let i = 0; i < piece.length; i++) output[2 * i] = output[2 * i + 1] = piece[i];
      return output;
    },
  };
}

describe('messages whose first frame sets RSV1', () => {
  it('go through the transform, piece by piece, final on the last', () => {
    const transform = doubling();
    const { protocol, events } = recordedProtocol({ role: 'client', allowRsv1: true, messageTransform: transform });
    feed(protocol, '4102 4142 8900 8001');
    feed(protocol, '43');
    expect(events).toEqual([
      ['ping', ''],
      ['message', '414142424343', true],
    ]);
    expect(transform.calls).toEqual([
      ['4142', false],
      ['43', true],
    ]);
  });

  it('a text message whose output ends a character in its last frame leaves no UTF-8 state for the next message', () => {
    // Found by any-split: the first frame's output ends inside "\u0080" (C2 | 80); the message
    // ends in the fast path, and the empty text after it must start from a clean state.
    const identity: MessageTransform = { transform: (piece) => new Uint8Array(piece) };
    expect(clientEvents('4101 c2 8001 80 8100', { allowRsv1: true, messageTransform: identity })).toEqual([
      ['message', 'c280', true],
      ['message', '', true],
    ]);
  });

  it('a message without RSV1 is not transformed', () => {
    const transform = doubling();
    expect(clientEvents('8102 4142', { allowRsv1: true, messageTransform: transform })).toEqual([['message', '4142', true]]);
    expect(transform.calls).toEqual([]);
  });

  it.each([
    ['a continuation frame', '4101 41 c001 42'],
    ['a control frame', 'c900'],
  ])('RSV1 on %s → 1002 WS_ERR_UNEXPECTED_RSV_1', (_, wire) => {
    expect(clientEvents(wire, { allowRsv1: true, messageTransform: doubling() })).toEqual([
      ['error', 'WS_ERR_UNEXPECTED_RSV_1', 1002],
    ]);
  });

  it('the limit applies to the output', () => {
    expect(clientEvents('c102 4142', { allowRsv1: true, messageTransform: doubling(), maxMessageSize: 4 })).toEqual([
      ['message', '41414242', true],
    ]);
    expect(clientEvents('c102 4142', { allowRsv1: true, messageTransform: doubling(), maxMessageSize: 3 })).toEqual([
      ['error', 'WS_ERR_MESSAGE_TOO_BIG', 1009],
    ]);
  });

  it('text output is validated as UTF-8', () => {
    expect(clientEvents('c101 ff', { allowRsv1: true, messageTransform: doubling() })).toEqual([
      ['error', 'WS_ERR_INVALID_UTF8', 1007],
    ]);
  });

  it("the transform's error fails the connection with its close code", () => {
    const failing: MessageTransform = { transform: () => new WebSocketError('WS_ERR_TRANSFORM_FAILED', 'bad data') };
    expect(clientEvents('c201 00', { allowRsv1: true, messageTransform: failing })).toEqual([
      ['error', 'WS_ERR_TRANSFORM_FAILED', 1007],
    ]);
  });

  it('allowRsv1 without a transform is refused when the settings are made', () => {
    expect(() => protocolSettings({ role: 'server', allowRsv1: true })).toThrow(TypeError);
  });
});
