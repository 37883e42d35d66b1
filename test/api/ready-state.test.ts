/** The numeric readyState and its constants on wsframe's own sockets, so `ws.readyState === WebSocket.OPEN` works. */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startServer } from '../helpers/servers.js';
import { WsPeer } from '../helpers/ws-peer.js';
import { WebSocket, WebSocketContext, connect } from '../../src/index.js';

describe('readyState', () => {
  it('has the constants 0-3 on the classes and on every instance', () => {
    for (const cls of [WebSocket, WebSocketContext]) {
      expect([cls.CONNECTING, cls.OPEN, cls.CLOSING, cls.CLOSED]).toEqual([0, 1, 2, 3]);
      expect([cls.prototype.CONNECTING, cls.prototype.OPEN, cls.prototype.CLOSING, cls.prototype.CLOSED]).toEqual([0, 1, 2, 3]);
    }
  });

  it('follows state on a server socket: OPEN, CLOSING after close(), CLOSED when gone', async () => {
    const seen: number[] = [];
    const { port } = await startServer({}, (ws) => {
      seen.push(ws.readyState);
      expect(ws.readyState === WebSocket.OPEN && ws.OPEN === WebSocket.OPEN).toBe(true);
      const closed = ws.close(1000);
      seen.push(ws.readyState);
      void closed.then(() => seen.push(ws.readyState));
    });
    const peer = await WsPeer.connect(port);
    await peer.closed;
    await expect.poll(() => seen).toEqual([WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED]);
  });

  it('is there on the client and on the fragment API too', async () => {
    const { port } = await startServer({ api: 'fragment' }, (context) => {
      expect((context as unknown as WebSocketContext).readyState).toBe(WebSocketContext.OPEN);
      void (context as unknown as WebSocketContext).sendConnectionClose(1000);
    });
    const ws = await connect(`ws://127.0.0.1:${port}/`);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    await once(ws, 'close');
    expect(ws.readyState).toBe(WebSocket.CLOSED);
  });
});
