// The close frame (RFC 6455 §5.5.1, §7.1.5, §7.4) received and sent, and the states it moves through.
import { describe, expect, it } from 'vitest';
import { Protocol, protocolSettings } from '../../src/protocol/protocol.js';
import { feed, recordedProtocol, sentHex } from './recorder.js';

/** A masked close frame (key 00000000) with this payload, as the server receives it. */
function closeFrame(payloadHex: string): string {
  return '88' + (0x80 | (payloadHex.length / 2)).toString(16) + '00000000' + payloadHex;
}

const codeHex = (code: number) => code.toString(16).padStart(4, '0');

describe('receiving a close frame', () => {
  it('an empty close payload is code 1005, answered with an empty close', () => {
    const { protocol, events } = recordedProtocol({ role: 'server' });
    feed(protocol, closeFrame(''));
    expect(events).toEqual([['close', 1005, '']]);
    expect(sentHex(protocol)).toBe('8800');
    expect(protocol.state).toBe('CLOSED');
    expect(protocol.closeReceived).toEqual({ code: 1005, reason: '' });
  });

  it('a code and a UTF-8 reason; the code is echoed (§5.5.1)', () => {
    const { protocol, events } = recordedProtocol({ role: 'server' });
    feed(protocol, closeFrame('03e8' + Buffer.from('bye ☺').toString('hex')));
    expect(events).toEqual([['close', 1000, 'bye ☺']]);
    expect(sentHex(protocol)).toBe('880203e8');
  });

  it.each([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999])(
    'accepts code %i',
    (code) => {
      const { protocol, events } = recordedProtocol({ role: 'server' });
      feed(protocol, closeFrame(codeHex(code)));
      expect(events).toEqual([['close', code, '']]);
      expect(sentHex(protocol)).toBe('8802' + codeHex(code));
    },
  );

  it.each([0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535])(
    'rejects code %i with 1002 WS_ERR_INVALID_CLOSE_CODE (§7.4)',
    (code) => {
      const { protocol, events } = recordedProtocol({ role: 'server' });
      feed(protocol, closeFrame(codeHex(code)));
      expect(events).toEqual([['error', 'WS_ERR_INVALID_CLOSE_CODE', 1002]]);
      expect(sentHex(protocol)).toBe('880203ea');
      expect(protocol.closeReceived).toBeUndefined();
      expect(protocol.state).toBe('CLOSING');
    },
  );

  it('a 1-byte payload → 1002 WS_ERR_INVALID_CLOSE_PAYLOAD', () => {
    const { protocol, events } = recordedProtocol({ role: 'server' });
    feed(protocol, closeFrame('03'));
    expect(events).toEqual([['error', 'WS_ERR_INVALID_CLOSE_PAYLOAD', 1002]]);
    expect(sentHex(protocol)).toBe('880203ea');
  });

  it('a reason that is not UTF-8 → 1007 WS_ERR_INVALID_UTF8', () => {
    const { protocol, events } = recordedProtocol({ role: 'server' });
    feed(protocol, closeFrame('03e8' + 'cebae1bdb9cf83cebcceb5eda080656469746564'));
    expect(events).toEqual([['error', 'WS_ERR_INVALID_UTF8', 1007]]);
    expect(sentHex(protocol)).toBe('880203ef');
  });

  it('ignores everything after a close frame (§5.5.1)', () => {
    const { protocol, events } = recordedProtocol({ role: 'server' });
    feed(protocol, closeFrame('03e8') + '8180 00000000');
    feed(protocol, '8980 00000000');
    expect(events).toEqual([['close', 1000, '']]);
    expect(sentHex(protocol)).toBe('880203e8');
  });

  it('a close frame split across chunks', () => {
    const { protocol, events } = recordedProtocol({ role: 'server' });
    feed(protocol, '8884 0000');
    feed(protocol, '0000 03');
    feed(protocol, 'e8 6869');
    expect(events).toEqual([['close', 1000, 'hi']]);
  });

  it('answers the peer close of a handshake we started, without a second close', () => {
    const { protocol, events } = recordedProtocol({ role: 'server' });
    protocol.sendClose(1001, 'going');
    expect(protocol.state).toBe('CLOSING');
    expect(sentHex(protocol)).toBe('880703e9' + Buffer.from('going').toString('hex'));
    feed(protocol, '8180 00000000' + closeFrame('03e9'));
    expect(events).toEqual([
      ['message', '', true],
      ['close', 1001, ''],
    ]);
    expect(sentHex(protocol)).toBe('');
    expect(protocol.state).toBe('CLOSED');
  });
});

describe('end of stream', () => {
  it('EOF without a close frame: CLOSED, closeReceived undefined (1006 is reported locally, §7.1.5)', () => {
    const { protocol, events } = recordedProtocol({ role: 'server' });
    feed(protocol, '0182 00000000 4865');
    protocol.receiveEof();
    feed(protocol, '8082 00000000 6c6f');
    expect(events).toEqual([]);
    expect(protocol.state).toBe('CLOSED');
    expect(protocol.closeReceived).toBeUndefined();
  });
});

describe('sending a close frame', () => {
  it('with no code: an empty payload', () => {
    const { protocol } = recordedProtocol({ role: 'server' });
    protocol.sendClose();
    expect(sentHex(protocol)).toBe('8800');
    expect(protocol.closeSent).toEqual({ code: 1005, reason: '' });
  });

  it.each([
    ['a code not allowed on the wire', 1005, '', 'WS_ERR_INVALID_CLOSE_ARGUMENTS'],
    ['a code out of range', 5000, '', 'WS_ERR_INVALID_CLOSE_ARGUMENTS'],
    ['a reason without a code', undefined, 'why', 'WS_ERR_INVALID_CLOSE_ARGUMENTS'],
    ['a reason over 123 bytes', 1000, 'é'.repeat(62), 'WS_ERR_INVALID_CLOSE_ARGUMENTS'],
  ])('throws at the caller for %s, sending nothing', (_, code, reason, errorCode) => {
    const { protocol } = recordedProtocol({ role: 'server' });
    expect(() => protocol.sendClose(code, reason)).toThrow(expect.objectContaining({ code: errorCode }));
    expect(sentHex(protocol)).toBe('');
    expect(protocol.state).toBe('OPEN');
  });

  it('a reason of exactly 123 bytes is allowed', () => {
    const { protocol } = recordedProtocol({ role: 'server' });
    protocol.sendClose(4000, 'x'.repeat(123));
    expect(sentHex(protocol)).toBe('887d0fa0' + '78'.repeat(123));
  });

  it('refuses every send after our close frame with WS_ERR_CLOSE_SENT', () => {
    const { protocol } = recordedProtocol({ role: 'server' });
    protocol.sendClose(1000);
    sentHex(protocol);
    const closeSent = expect.objectContaining({ code: 'WS_ERR_CLOSE_SENT', closeCode: undefined });
    expect(() => protocol.sendText('late')).toThrow(closeSent);
    expect(() => protocol.sendBinary(new Uint8Array(1))).toThrow(closeSent);
    expect(() => protocol.sendPing()).toThrow(closeSent);
    expect(() => protocol.sendClose(1000)).toThrow(closeSent);
    expect(sentHex(protocol)).toBe('');
  });

  it('still answers pings while waiting for the peer close (a pong is no data frame, §5.5.1)', () => {
    const { protocol } = recordedProtocol({ role: 'server' });
    protocol.sendClose(1000);
    sentHex(protocol);
    feed(protocol, '8981 00000000 2a');
    expect(sentHex(protocol)).toBe('8a012a');
  });
});

describe('a violation whose close frame the listener holds back (holdFailClose)', () => {
  it('queues nothing at the violation, lets an answer be sent, then sendFailClose queues the close after it', () => {
    const events: string[] = [];
    const protocol = new Protocol(protocolSettings({ role: 'server' }), {
      message: (data) => events.push(`message ${Buffer.from(data).toString()}`),
      fragment: () => {},
      ping: () => {},
      pong: () => {},
      close: () => {},
      error: (error) => events.push(`error ${error.code}`),
      holdFailClose: () => true,
    });
    feed(protocol, '8181 00000000 61' + '8380 00000000'); // "a", then a reserved opcode
    expect(events).toEqual(['message a', 'error WS_ERR_INVALID_OPCODE']);
    expect(sentHex(protocol)).toBe('');
    expect(protocol.state).toBe('OPEN');
    protocol.sendText('b');
    protocol.sendFailClose();
    expect(sentHex(protocol)).toBe('810162' + '880203ea');
    expect(protocol.state).toBe('CLOSING');
    protocol.sendFailClose(); // once only
    expect(sentHex(protocol)).toBe('');
  });
});
