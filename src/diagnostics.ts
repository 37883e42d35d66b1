/**
 * wsframe's node:diagnostics_channel channels: operators observe connections (open, handshake
 * failures, errors, pings, closes, slow broadcast members) by subscribing, without patching code
 * (undici publishes `undici:websocket:*` the same way). The README lists the message shapes.
 *
 * Every helper checks `hasSubscribers` before it builds a message: with nobody subscribed a
 * publication costs one property read (bench/RESULTS.md measures it). None sits on the per-message
 * path.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { TLSSocket } from 'node:tls';
import type { WebSocketError, WebSocketErrorCode } from './protocol/errors.js';
import type { WebSocket } from './websocket.js';
import type { WebSocketContext } from './context.js';
import type { Transport, TransportKind } from './transport/transport.js';

export type Role = 'server' | 'client';

/** `wsframe:connection:open`: a handshake succeeded and a connection exists (before 'connection' or connect() resolving). */
export interface OpenMessage {
  role: Role;
  webSocket: WebSocket | WebSocketContext;
  /** Which transport carries the bytes ('node': a net or TLS socket). */
  transport: TransportKind;
  /** Whether the bytes go over TLS (wss://, or a server on node:https). */
  tls: boolean;
  request: {
    /** Server: the request target (path and query); client: the whole URL. */
    url: string;
    /** Server: the request's headers (names lower-cased); client: the headers it sent. */
    headers: Readonly<Record<string, string | string[] | undefined>>;
  };
  response: { status: 101; protocol: string; extensions: string };
  /** Client: the proxy tunnelled through (without credentials), else undefined. */
  proxy: string | undefined;
}

/** `wsframe:handshake:failed`: an opening handshake that opened no connection. */
export interface HandshakeFailedMessage {
  role: Role;
  /** Server: the status it refused with. Client: the server's (or the proxy's) status, undefined when none answered. */
  status: number | undefined;
  code: WebSocketErrorCode;
  /** Server: the one-line reason it sent; client: the error's message. */
  reason: string;
  /** Server: the request target; client: the URL it tried. */
  url: string;
}

/** `wsframe:connection:error`: a protocol violation by the peer, or a timeout, fails the connection (its close frame is on the way). */
export interface ErrorMessage {
  role: Role;
  webSocket: WebSocket | WebSocketContext;
  code: WebSocketErrorCode;
  closeCode: number | undefined;
  message: string;
}

/** `wsframe:connection:ping` and `wsframe:connection:pong`: a control frame arrived. */
export interface PingMessage {
  role: Role;
  webSocket: WebSocket | WebSocketContext;
  payload: Uint8Array;
}

export interface PongMessage extends PingMessage {
  /** ms since our heartbeat ping (pingInterval) when this pong answers it, else undefined. */
  rtt: number | undefined;
}

/** `wsframe:connection:close`: the TCP connection is gone. */
export interface CloseMessage {
  role: Role;
  webSocket: WebSocket | WebSocketContext;
  /** The peer's close code, 1005 when its frame had none, 1006 when none came (RFC 6455 §7.1.5). */
  code: number;
  reason: string;
  wasClean: boolean;
  /**
   * Which side began the closing: sent the first close frame (or, without one, ended TCP first).
   * undefined when the connection was dropped while open (a reset, terminate()).
   */
  closedBy: Role | undefined;
}

/** `wsframe:broadcast:dropped`: a WebSocketCollection closed a member that fell behind. */
export interface DroppedMessage {
  webSocket: WebSocket;
  /** Bytes it had waiting to be written, and what the broadcast would have added. */
  bufferedAmount: number;
  messageSize: number;
  maxBufferedAmount: number;
  closeCode: number;
}

export const channels = {
  open: diagnosticsChannel.channel('wsframe:connection:open'),
  handshakeFailed: diagnosticsChannel.channel('wsframe:handshake:failed'),
  error: diagnosticsChannel.channel('wsframe:connection:error'),
  ping: diagnosticsChannel.channel('wsframe:connection:ping'),
  pong: diagnosticsChannel.channel('wsframe:connection:pong'),
  close: diagnosticsChannel.channel('wsframe:connection:close'),
  dropped: diagnosticsChannel.channel('wsframe:broadcast:dropped'),
};

/** The API object a connection reports to (the connection layer knows it only as its listener). */
type Facade = object;

export function publishOpen(
  role: Role,
  webSocket: WebSocket | WebSocketContext,
  transport: Transport,
  /** The socket under the transport, when it has one: TLS or not. */
  socket: object | undefined,
  request: OpenMessage['request'],
  protocol: string,
  extensions: string,
  proxy?: string,
): void {
  if (!channels.open.hasSubscribers) return;
  const message: OpenMessage = { role, webSocket, transport: transport.kind, tls: socket instanceof TLSSocket, request, response: { status: 101, protocol, extensions }, proxy };
  channels.open.publish(message);
}

export function publishHandshakeFailed(role: Role, status: number | undefined, code: WebSocketErrorCode, reason: string, url: string): void {
  if (!channels.handshakeFailed.hasSubscribers) return;
  const message: HandshakeFailedMessage = { role, status, code, reason, url };
  channels.handshakeFailed.publish(message);
}

export function publishError(role: Role, webSocket: Facade, error: WebSocketError): void {
  if (!channels.error.hasSubscribers) return;
  const message: ErrorMessage = { role, webSocket: webSocket as WebSocket, code: error.code, closeCode: error.closeCode, message: error.message };
  channels.error.publish(message);
}

export function publishPing(role: Role, webSocket: Facade, payload: Uint8Array): void {
  if (!channels.ping.hasSubscribers) return;
  const message: PingMessage = { role, webSocket: webSocket as WebSocket, payload };
  channels.ping.publish(message);
}

export function publishPong(role: Role, webSocket: Facade, payload: Uint8Array, rtt: number | undefined): void {
  if (!channels.pong.hasSubscribers) return;
  const message: PongMessage = { role, webSocket: webSocket as WebSocket, payload, rtt };
  channels.pong.publish(message);
}

export function publishClose(role: Role, webSocket: Facade, code: number, reason: string, wasClean: boolean, closedBy: Role | undefined): void {
  if (!channels.close.hasSubscribers) return;
  const message: CloseMessage = { role, webSocket: webSocket as WebSocket, code, reason, wasClean, closedBy };
  channels.close.publish(message);
}

export function publishDropped(webSocket: WebSocket, messageSize: number, maxBufferedAmount: number, closeCode: number): void {
  if (!channels.dropped.hasSubscribers) return;
  const message: DroppedMessage = { webSocket, bufferedAmount: webSocket.bufferedAmount, messageSize, maxBufferedAmount, closeCode };
  channels.dropped.publish(message);
}
