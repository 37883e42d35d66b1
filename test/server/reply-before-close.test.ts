/**
 * After a protocol violation, the messages that arrived before it are still delivered to the
 * pull APIs, and what the application sends in answer before it next waits on the socket goes
 * out before our close frame (ReceiveQueue.holdClose). The peer here sends a message and a bad
 * frame in ONE write, so the close would otherwise be queued during the parse, before the
 * application saw the message. Then the bound: an application that does not answer or does not
 * read does not hold the close up.
 */
import { describe, expect, it } from 'vitest';
import { RawClient, clientFrame } from '../helpers/raw-client.js';
import { startServer } from '../helpers/servers.js';
import type { WebSocket } from '../../src/websocket.js';
import type { WebSocketContext } from '../../src/context.js';

const TEXT = 1, CLOSE = 8;
/** Opcode 3 is reserved (RFC 6455 §5.2): the connection fails with 1002. */
const BAD_FRAME = clientFrame(3, 'x');

/** Every frame the server sends until its close frame (included) or the end of TCP, as "opcode:text". */
async function framesUntilClose(client: RawClient): Promise<string[]> {
  const seen: string[] = [];
  for (;;) {
    const frame = await client.frame().catch(() => undefined);
    if (frame === undefined) return seen;
    seen.push(frame.opcode === CLOSE ? `close:${frame.payload.readUInt16BE(0)}` : `${frame.opcode}:${frame.payload.toString()}`);
    if (frame.opcode === CLOSE) return seen;
  }
}

describe('replies to the messages before a protocol violation go out before the close', () => {
  it('with for await', async () => {
    const { port } = await startServer({ closeTimeout: 60_000 }, async (ws) => {
      for await (const message of ws) ws.send(`re:${message.data}`);
    });
    const client = await RawClient.upgraded(port);
    client.write(Buffer.concat([clientFrame(TEXT, 'a'), clientFrame(TEXT, 'b'), BAD_FRAME]));
    expect(await framesUntilClose(client)).toEqual(['1:re:a', '1:re:b', 'close:1002']);
  });

  it('with receive(), answering with sendAsync', async () => {
    const outcome: string[] = [];
    const { port } = await startServer({ closeTimeout: 60_000 }, async (ws) => {
      const message = await ws.receive();
      await ws.sendAsync(`re:${message.type === 'text' ? message.data : ''}`);
      await ws.receive().catch((error: { code: string }) => outcome.push(error.code));
    });
    const client = await RawClient.upgraded(port);
    client.write(Buffer.concat([clientFrame(TEXT, 'hello'), BAD_FRAME]));
    expect(await framesUntilClose(client)).toEqual(['1:re:hello', 'close:1002']);
    await expect.poll(() => outcome).toEqual(['WS_ERR_INVALID_OPCODE']);
  });

  it('with the fragment API (readFragment, writeFragment)', async () => {
    const { port } = await startServer({ api: 'fragment', closeTimeout: 60_000 }, async (connection) => {
      const context = connection as unknown as WebSocketContext;
      const fragment = await context.readFragment();
      void context.writeFragment(Buffer.from(`re:${Buffer.from(fragment.data).toString()}`), { utf8: true });
      await context.readFragment().catch(() => {});
    });
    const client = await RawClient.upgraded(port);
    client.write(Buffer.concat([clientFrame(TEXT, 'frag'), BAD_FRAME]));
    expect(await framesUntilClose(client)).toEqual(['1:re:frag', 'close:1002']);
  });

  it('a message listener still answers during the parse, before the close', async () => {
    const { port } = await startServer({ closeTimeout: 60_000 }, (ws) => {
      ws.on('message', (data: Buffer) => ws.send(`re:${data}`));
    });
    const client = await RawClient.upgraded(port);
    client.write(Buffer.concat([clientFrame(TEXT, 'ev'), BAD_FRAME]));
    expect(await framesUntilClose(client)).toEqual(['1:re:ev', 'close:1002']);
  });
});

describe('the bound: the close is not held up by the application', () => {
  it('one that takes the message and neither answers nor reads again: the close goes at the end of that turn', async () => {
    let taken = false;
    const { port } = await startServer({ closeTimeout: 60_000 }, async (ws) => {
      await ws.receive();
      taken = true; // and then nothing: no reply, no further receive()
    });
    const client = await RawClient.upgraded(port);
    client.write(Buffer.concat([clientFrame(TEXT, 'ignored'), BAD_FRAME]));
    // closeTimeout is a minute: only the end-of-turn release can send the close within 5 s.
    expect(await framesUntilClose(client)).toEqual(['close:1002']);
    expect(taken).toBe(true);
  });

  it('one that never takes the message: the close goes after closeTimeout, and the message can still be read', async () => {
    let server: WebSocket | undefined;
    const { port } = await startServer({ closeTimeout: 300 }, (ws) => {
      server = ws; // reads nothing (the messages wait in its queue)
    });
    const client = await RawClient.upgraded(port);
    client.write(Buffer.concat([clientFrame(TEXT, 'unread'), BAD_FRAME]));
    expect(await framesUntilClose(client)).toEqual(['close:1002']);
    client.destroy();
    await expect(server!.receive()).resolves.toEqual({ type: 'text', data: 'unread' });
    await expect(server!.receive()).rejects.toMatchObject({ code: 'WS_ERR_INVALID_OPCODE' });
  });

  it('close() while the close is held sends the violation’s close code', async () => {
    const { port } = await startServer({ closeTimeout: 60_000 }, async (ws) => {
      await ws.receive();
      await ws.close(1000, 'bye');
    });
    const client = await RawClient.upgraded(port);
    client.write(Buffer.concat([clientFrame(TEXT, 'x'), BAD_FRAME]));
    expect(await framesUntilClose(client)).toEqual(['close:1002']);
  });
});
