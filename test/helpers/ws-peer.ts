/**
 * The `ws` package as a peer: a client with a message queue, closed after each test. Used by
 * the interop tests to check wsframe against the most used Node implementation.
 */
import { once } from 'node:events';
import { afterEach } from 'vitest';
import WebSocket from 'ws';

export interface WsMessage {
  data: Buffer;
  isBinary: boolean;
}

export interface WsClose {
  code: number;
  reason: string;
}

const open = new Set<WebSocket>();

afterEach(() => {
  for (const ws of open) ws.terminate();
  open.clear();
});

export class WsPeer {
  private readonly messages: WsMessage[] = [];
  private readonly waiters: Array<(message: WsMessage) => void> = [];
  /** Resolves with what the 'close' event reported. */
  readonly closed: Promise<WsClose>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const message = { data, isBinary };
      const waiter = this.waiters.shift();
      if (waiter) waiter(message);
      else this.messages.push(message);
    });
    this.closed = new Promise((resolve) => ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
  }

  /** Connect to ws://127.0.0.1:port/ (no permessage-deflate: wsframe does not offer it yet). */
  static async connect(port: number, options: WebSocket.ClientOptions = {}): Promise<WsPeer> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false, ...options });
    open.add(ws);
    const peer = new WsPeer(ws);
    await once(ws, 'open');
    return peer;
  }

  next(timeoutMs = 10_000): Promise<WsMessage> {
    const queued = this.messages.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a message from the server')), timeoutMs);
      this.waiters.push((message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
  }
}
