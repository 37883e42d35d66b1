/**
 * Test helpers: a Protocol whose listener records every event as a plain tuple (payloads as
 * hex), so tests compare what happened with toEqual.
 */

import { Protocol, protocolSettings } from '../../src/protocol/protocol.js';
import type { ProtocolOptions } from '../../src/protocol/protocol.js';

export type Event =
  | ['message', string, boolean]
  | ['fragment', string, boolean, boolean]
  | ['ping', string]
  | ['pong', string]
  | ['close', number, string]
  | ['error', string, number | undefined];

export interface Recorded {
  protocol: Protocol;
  events: Event[];
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');

export function recordedProtocol(options: ProtocolOptions): Recorded {
  const events: Event[] = [];
  const protocol = new Protocol(protocolSettings(options), {
    message: (data, text) => events.push(['message', hex(data), text]),
    fragment: (data, text, final) => events.push(['fragment', hex(data), text, final]),
    ping: (payload) => events.push(['ping', hex(payload)]),
    pong: (payload) => events.push(['pong', hex(payload)]),
    close: (code, reason) => events.push(['close', code, reason]),
    error: (error) => events.push(['error', error.code, error.closeCode]),
  });
  return { protocol, events };
}

/** Feeds hex as one chunk (a fresh buffer: the protocol owns and unmasks what it is given). */
export function feed(protocol: Protocol, wire: string): void {
  protocol.receiveData(Buffer.from(wire.replace(/\s+/g, ''), 'hex'));
}

/** Everything the protocol queued to send, joined, as hex. */
export function sentHex(protocol: Protocol): string {
  return Buffer.concat(protocol.dataToSend()).toString('hex');
}

/** A client (unmasked frames from the server) fed `wire`: the events. */
export function clientEvents(wire: string, options: Partial<ProtocolOptions> = {}): Event[] {
  const { protocol, events } = recordedProtocol({ role: 'client', ...options });
  feed(protocol, wire);
  return events;
}
