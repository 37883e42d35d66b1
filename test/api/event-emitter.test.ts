/**
 * A WebSocket is an EventEmitter made without `EventEmitter.init` (src/websocket.ts,
 * PreShapedEventEmitter): what Node's EventEmitter promises still holds on it, on the server's
 * and the client's sockets.
 */
import { EventEmitter, getEventListeners, once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocket, connect } from '../../src/index.js';
import { echo, startServer } from '../helpers/servers.js';

async function pair(): Promise<{ server: WebSocket; client: WebSocket }> {
  let accepted!: (ws: WebSocket) => void;
  const connection = new Promise<WebSocket>((resolve) => (accepted = resolve));
  const { port } = await startServer({}, (ws) => {
    echo(ws);
    accepted(ws);
  });
  const client = await connect(`ws://127.0.0.1:${port}/`);
  return { server: await connection, client };
}

describe('a WebSocket as an EventEmitter', () => {
  it('is one, with its methods; names only the events that have listeners; counts and removes them', async () => {
    const { server, client } = await pair();
    for (const ws of [server, client]) {
      expect(ws).toBeInstanceOf(EventEmitter);
      expect((ws.constructor as typeof EventEmitter).once).toBe(EventEmitter.once); // the static members too
      expect(ws.eventNames()).toEqual(ws === server ? ['message'] : []);
      const listener = (): void => {};
      ws.on('pong', listener).on('close', listener);
      expect(ws.listenerCount('pong')).toBe(1);
      expect(getEventListeners(ws, 'close')).toContain(listener);
      ws.off('pong', listener);
      ws.removeAllListeners('close');
      expect(ws.listenerCount('pong') + ws.listenerCount('close')).toBe(0);
      expect(ws.getMaxListeners()).toBe(EventEmitter.defaultMaxListeners);
      ws.setMaxListeners(1);
      expect(ws.getMaxListeners()).toBe(1);
    }
    client.send('through events.once');
    const [data] = (await once(client, 'message')) as [Buffer];
    expect(data.toString()).toBe('through events.once');
    client.close();
    await once(server, 'close');
  });

  it("an 'error' with no listener throws, as EventEmitter's does", async () => {
    const { client } = await pair();
    expect(() => client.emit('error', new Error('nobody listens'))).toThrow('nobody listens');
    client.close();
  });

  it('captureRejections: a listener that rejects has its error emitted as an error event', async () => {
    const { client } = await pair();
    EventEmitter.captureRejections = true;
    try {
      const errors: unknown[] = [];
      client.on('error', (error) => errors.push(error));
      client.on('ping', async () => {
        throw new Error('rejected');
      });
      client.emit('ping', Buffer.alloc(0));
      await expect.poll(() => errors.length).toBe(1);
      expect((errors[0] as Error).message).toBe('rejected');
    } finally {
      EventEmitter.captureRejections = false;
      client.close();
    }
  });
});
