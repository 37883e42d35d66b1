/**
 * The application developer's layer, modelled on Microsoft.WebSockets: a WebSocketHandler to
 * extend (OnOpen, OnMessage, OnClose, OnError) and a WebSocketCollection to broadcast to.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocketServer, UpgradeRequestInfo } from './server.js';
import type { WebSocket } from './websocket.js';
import { PreparedMessage } from './protocol/prepared-message.js';
import type { Backplane, BackplaneMessage } from './backplane/backplane.js';
import { WebSocketError } from './protocol/errors.js';
import { kernels } from './native.js';
import { publishDropped } from './diagnostics.js';

/**
 * Extend it and override what you need. Every callback may be async; whatever one throws or
 * rejects with goes to onError, and an error in onError itself is dropped: nothing a handler
 * does crashes the process.
 */
export abstract class WebSocketHandler {
  private socket: WebSocket | undefined;

  /** The connection, once open. */
  get webSocket(): WebSocket {
    if (this.socket === undefined) throw new Error('the handler is not attached to a connection yet');
    return this.socket;
  }

  onOpen(): void | Promise<void> {}
  /** A text message arrives as a string, a binary one as a Buffer. */
  onMessage(_message: string | Buffer): void | Promise<void> {}
  onClose(_code: number, _reason: string): void | Promise<void> {}
  onError(_error: unknown): void | Promise<void> {}

  send(data: string | Uint8Array): boolean {
    return this.webSocket.send(data);
  }

  close(code?: number, reason?: string): Promise<void> {
    return this.webSocket.close(code, reason);
  }

  /** @internal Bind this handler to an open connection. */
  attach(socket: WebSocket): void {
    this.socket = socket;
    socket.on('message', (data: Buffer, isBinary: boolean) => this.guard(() => this.onMessage(isBinary ? data : data.toString('utf8'))));
    socket.on('error', (error: unknown) => this.report(error));
    socket.on('close', (code: number, reason: string) => this.guard(() => this.onClose(code, reason)));
    this.guard(() => this.onOpen());
  }

  private guard(callback: () => void | Promise<void>): void {
    try {
      const result = callback();
      if (result instanceof Promise) result.catch((error: unknown) => this.report(error));
    } catch (error) {
      this.report(error);
    }
  }

  private report(error: unknown): void {
    try {
      const result = this.onError(error);
      if (result instanceof Promise) result.catch(() => {});
    } catch {
      // An error in onError has nowhere left to go.
    }
  }
}

/**
 * Serve handlers on `server`: `choose` picks (or makes) the handler for each request, e.g. from
 * its query string (`/chat?name=John`); undefined closes the connection with 1008.
 */
export function serveHandlers(server: WebSocketServer, choose: (request: UpgradeRequestInfo) => WebSocketHandler | undefined): void {
  server.on('connection', (socket: WebSocket, request: UpgradeRequestInfo) => {
    let handler: WebSocketHandler | undefined;
    try {
      handler = choose(request);
    } catch {
      handler = undefined;
    }
    if (handler === undefined) {
      void socket.close(1008, 'no handler for this request');
      return;
    }
    handler.attach(socket);
  });
}

export interface WebSocketCollectionOptions {
  /**
   * A member with more than this many bytes waiting to be written is closed instead of
   * queueing more (a slow reader must not grow memory or hold up the others). Default 1 MiB.
   */
  maxBufferedAmount?: number;
  /** The close code for such a member. Default 1008 (policy violation: it broke the buffering policy). */
  slowMemberCloseCode?: number;
  /** Broadcasts also go to the collections of other processes through this (see src/backplane/). */
  backplane?: Backplane;
  /** The backplane channel. Default 'wsframe'. */
  channel?: string;
}

export interface BroadcastOptions {
  /** A member (or a handler) that does not get this message, e.g. its sender. */
  except?: WebSocket | WebSocketHandler;
  /** Send bytes as binary (default for bytes); false sends them as text. */
  binary?: boolean;
}

/**
 * A set of connections to broadcast to. A broadcast frames the message once (and compresses
 * it once per permessage-deflate setting without context takeover) and writes the same bytes
 * to every member.
 */
export class WebSocketCollection implements Iterable<WebSocket> {
  private readonly members = new Set<WebSocket>();
  private readonly maxBufferedAmount: number;
  private readonly slowMemberCloseCode: number;
  private readonly backplane: Backplane | undefined;
  private readonly channel: string;
  private readonly origin = randomUUID();
  private readonly unsubscribe: (() => void) | undefined;
  private readonly removeOnClose = new Map<WebSocket, () => void>();

  constructor(options: WebSocketCollectionOptions = {}) {
    this.maxBufferedAmount = options.maxBufferedAmount ?? 1024 * 1024;
    this.slowMemberCloseCode = options.slowMemberCloseCode ?? 1008;
    this.backplane = options.backplane;
    this.channel = options.channel ?? 'wsframe';
    this.unsubscribe = this.backplane?.subscribe(this.channel, (message) => this.fromBackplane(message));
  }

  get size(): number {
    return this.members.size;
  }

  [Symbol.iterator](): Iterator<WebSocket> {
    return this.members[Symbol.iterator]();
  }

  has(member: WebSocket | WebSocketHandler): boolean {
    return this.members.has(socketOf(member));
  }

  /** Add a member; it leaves by itself when it closes. */
  add(member: WebSocket | WebSocketHandler): void {
    const socket = socketOf(member);
    if (this.members.has(socket) || socket.state !== 'OPEN') return;
    this.members.add(socket);
    const leave = (): void => void this.delete(socket);
    this.removeOnClose.set(socket, leave);
    socket.once('close', leave);
  }

  delete(member: WebSocket | WebSocketHandler): boolean {
    const socket = socketOf(member);
    const leave = this.removeOnClose.get(socket);
    if (leave !== undefined) socket.off('close', leave);
    this.removeOnClose.delete(socket);
    return this.members.delete(socket);
  }

  /**
   * Send `message` to every member (but `except`), here and — with a backplane — in the other
   * processes. Returns how many local members it was written to.
   */
  broadcast(message: string | Uint8Array, options: BroadcastOptions = {}): number {
    const text = typeof message === 'string' || options.binary === false;
    if (typeof message !== 'string' && text && !kernels.isValidUtf8(message)) {
      throw new WebSocketError('WS_ERR_INVALID_UTF8', 'text to broadcast is not valid UTF-8');
    }
    const delivered = this.deliver(new PreparedMessage(message, text), options.except === undefined ? undefined : socketOf(options.except));
    if (this.backplane !== undefined) {
      const data = typeof message === 'string' ? message : Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString(text ? 'utf8' : 'base64');
      this.backplane.publish(this.channel, { origin: this.origin, binary: !text, data });
    }
    return delivered;
  }

  /** Stop listening to the backplane (the collection still works locally). */
  close(): void {
    this.unsubscribe?.();
  }

  private deliver(prepared: PreparedMessage, except: WebSocket | undefined): number {
    let delivered = 0;
    for (const member of this.members) {
      if (member === except) continue;
      // A slow member is closed rather than buffered without bound; the others are not held up.
      if (member.bufferedAmount + prepared.payload.length > this.maxBufferedAmount) {
        publishDropped(member, prepared.payload.length, this.maxBufferedAmount, this.slowMemberCloseCode);
        this.delete(member);
        void member.close(this.slowMemberCloseCode, 'too slow: its send queue is over the limit');
        continue;
      }
      if (member.sendPrepared(prepared)) delivered++;
    }
    return delivered;
  }

  private fromBackplane(message: BackplaneMessage): void {
    if (message.origin === this.origin) return; // delivered locally when it was broadcast
    const data = message.binary ? Buffer.from(message.data, 'base64') : message.data;
    this.deliver(new PreparedMessage(data, !message.binary), undefined);
  }
}

function socketOf(member: WebSocket | WebSocketHandler): WebSocket {
  return member instanceof WebSocketHandler ? member.webSocket : member;
}
