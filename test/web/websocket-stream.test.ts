/**
 * wsframe/web's WebSocketStream against wsframe's server: backpressure reaches the socket both
 * ways (a reader that stops reading stalls the server's writes; a server that stops reading
 * stalls the writable's writes), and close codes travel both ways through close(), the
 * writable's close/abort, the readable's cancel, and `closed`.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocketError, WebSocketStream } from '../../src/web/index.js';
import { startServerWithConnection } from '../helpers/servers.js';

const MiB = 1024 * 1024;

/** Resolves once `sample()` has not changed for `quiet` ms (checked every 50 ms), with its value. */
async function settled(sample: () => number, quiet = 400, timeout = 10_000): Promise<number> {
  const deadline = Date.now() + timeout;
  let value = sample();
  let since = Date.now();
  while (Date.now() - since < quiet) {
    if (Date.now() > deadline) throw new Error(`still changing after ${timeout} ms: ${value}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const next = sample();
    if (next !== value) {
      value = next;
      since = Date.now();
    }
  }
  return value;
}

describe('WebSocketStream backpressure', () => {
  it('a reader that stops reading stops the socket being read: the server’s writes stall at a bound, and go on when reading does', async () => {
    const size = 64 * 1024;
    const count = 512; // 32 MiB
    const { url, connection } = await startServerWithConnection();
    const wss = new WebSocketStream(url, { receiveBufferLimit: MiB });
    const { readable } = await wss.opened;
    const server = await connection;
    // One message at a time, each when the last was handed to the kernel: `written` is what the
    // server managed to write.
    let written = 0;
    const writing = (async () => {
      for (let i = 0; i < count; i++) {
        await server.sendAsync(Buffer.alloc(size, i & 0xff));
        written += size;
      }
    })();

    const reader = readable.getReader();
    expect((await reader.read()).value).toEqual(new Uint8Array(size).fill(0));
    // The reader stops here. What the server can still write: our queue (1 MiB, then the socket
    // is paused), a message in the readable, and what the kernel buffers on both sides hold
    // (loopback autotunes them: 6-8 MB in all here, of the 32 MiB the server has to send).
    const stalled = await settled(() => written);
    expect(stalled).toBeGreaterThan(MiB);
    expect(stalled).toBeLessThan(12 * MiB);
    expect(stalled).toBeLessThan((count * size) / 2);

    for (let i = 1; i < count; i++) {
      const { value } = await reader.read();
      expect(value?.length).toBe(size);
      expect(value?.[size - 1]).toBe(i & 0xff);
    }
    await writing;
    expect(written).toBe(count * size);
    wss.close();
    expect(await wss.closed).toEqual({ closeCode: 1005, reason: '' });
  });

  it('a server that stops reading stalls the writable: writes resolve only as the kernel takes them', async () => {
    const size = 64 * 1024;
    const count = 512;
    // No 'message' listener and no receive(): the server's queue pauses its socket past 1 MiB.
    const { url, connection } = await startServerWithConnection({ receiveBufferLimit: MiB });
    const wss = new WebSocketStream(url);
    const { writable } = await wss.opened;
    const server = await connection;
    const writer = writable.getWriter();
    let written = 0;
    const writes: Promise<void>[] = [];
    for (let i = 0; i < count; i++) writes.push(writer.write(new Uint8Array(size).fill(i & 0xff)).then(() => void (written += size)));

    // Resolved writes: the server's queue (1 MiB) and the kernel buffers (6 MB here), no more.
    const stalled = await settled(() => written);
    expect(stalled).toBeGreaterThan(MiB);
    expect(stalled).toBeLessThan(12 * MiB);
    expect(stalled).toBeLessThan((count * size) / 2);

    let received = 0;
    for await (const message of server) {
      expect(message.type).toBe('binary');
      received += message.data.length;
      if (received === count * size) break;
    }
    await Promise.all(writes);
    expect(written).toBe(count * size);
    wss.close({ closeCode: 1000 });
    expect(await wss.closed).toEqual({ closeCode: 1000, reason: '' });
  });
});

describe('WebSocketStream close codes, both ways', () => {
  it('close({ closeCode, reason }) reaches the server; closed reports the server’s answer', async () => {
    const { url, connection } = await startServerWithConnection();
    const wss = new WebSocketStream(url);
    await wss.opened;
    const server = await connection;
    const serverClosed = once(server, 'close');
    wss.close({ closeCode: 4321, reason: 'client bye ✓' });
    expect(await serverClosed).toEqual([4321, 'client bye ✓', true]);
    expect(await wss.closed).toEqual({ closeCode: 4321, reason: '' }); // wsframe's server echoes the code only
  });

  it('a reason without a code closes with 1000', async () => {
    const { url, connection } = await startServerWithConnection();
    const wss = new WebSocketStream(url);
    await wss.opened;
    const server = await connection;
    const serverClosed = once(server, 'close');
    wss.close({ reason: 'just a reason' });
    expect(await serverClosed).toEqual([1000, 'just a reason', true]);
  });

  it('the server’s close: closed resolves with its code and reason, the readable ends after the messages before it', async () => {
    const { url, connection } = await startServerWithConnection();
    const wss = new WebSocketStream(url);
    const { readable, writable } = await wss.opened;
    const server = await connection;
    server.send('last words');
    void server.close(4002, 'server bye');
    expect(await wss.closed).toEqual({ closeCode: 4002, reason: 'server bye' });
    const reader = readable.getReader();
    expect(await reader.read()).toEqual({ done: false, value: 'last words' });
    expect(await reader.read()).toEqual({ done: true, value: undefined });
    await expect(writable.getWriter().write('too late')).rejects.toMatchObject({ name: 'InvalidStateError' });
  });

  it('an unclean end: closed rejects with a WebSocketError carrying 1006, and so does the readable', async () => {
    const { url, connection } = await startServerWithConnection();
    const wss = new WebSocketStream(url);
    const { readable } = await wss.opened;
    (await connection).terminate();
    const error = await wss.closed.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(WebSocketError);
    expect(error).toMatchObject({ name: 'WebSocketError', closeCode: 1006, reason: '' });
    await expect(readable.getReader().read()).rejects.toMatchObject({ closeCode: 1006 });
  });

  it('the writable’s close() closes without a code (1005); abort(WebSocketError) and cancel(WebSocketError) close with its code', async () => {
    const cases: Array<[string, (info: Awaited<WebSocketStream['opened']>) => Promise<void>, [number, string]]> = [
      ['writable.close()', ({ writable }) => writable.close(), [1005, '']],
      ['writable.abort()', ({ writable }) => writable.abort(new WebSocketError('stop', { closeCode: 4100, reason: 'aborted' })), [4100, 'aborted']],
      ['readable.cancel()', ({ readable }) => readable.cancel(new WebSocketError('stop', { closeCode: 4200, reason: 'cancelled' })), [4200, 'cancelled']],
      ['readable.cancel() with another reason', ({ readable }) => readable.cancel(new Error('not a WebSocketError')), [1005, '']],
    ];
    for (const [name, act, expected] of cases) {
      const { url, connection } = await startServerWithConnection();
      const wss = new WebSocketStream(url);
      const opened = await wss.opened;
      const server = await connection;
      const serverClosed = once(server, 'close');
      await act(opened);
      expect((await serverClosed).slice(0, 2), name).toEqual(expected);
      expect((await wss.closed).closeCode, name).toBe(expected[0]);
    }
  });

  it('close() checks its arguments as WebSocket.close does', async () => {
    const { url } = await startServerWithConnection();
    const wss = new WebSocketStream(url);
    await wss.opened;
    expect(() => wss.close({ closeCode: 1001 })).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
    expect(() => wss.close({ closeCode: 70_000 })).toThrow(expect.objectContaining({ name: 'InvalidAccessError' })); // clamped to 65535
    expect(() => wss.close({ closeCode: 1000, reason: 'é'.repeat(62) })).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    expect(() => new WebSocketError('x', { closeCode: 1006 })).toThrow(expect.objectContaining({ name: 'InvalidAccessError' }));
    expect(new WebSocketError('x', { reason: 'r' })).toMatchObject({ closeCode: 1000, reason: 'r', name: 'WebSocketError' });
    wss.close();
    await wss.closed;
  });
});

describe('WebSocketStream opening', () => {
  it('opened gives the readable, the writable, the subprotocol and the extensions; messages go both ways', async () => {
    const { url, connection } = await startServerWithConnection({ protocols: ['chat'], perMessageDeflate: true });
    const wss = new WebSocketStream(url.replace('ws:', 'http:'), { protocols: ['other', 'chat'] });
    expect(wss.url).toBe(url);
    const { readable, writable, protocol, extensions } = await wss.opened;
    expect(protocol).toBe('chat');
    expect(extensions).toBe('permessage-deflate; server_no_context_takeover; client_no_context_takeover');
    const server = await connection;
    server.on('message', (data: Buffer, isBinary: boolean) => server.send(data, { binary: isBinary }));
    const writer = writable.getWriter();
    await writer.write('text ✓');
    await writer.write(new Uint16Array([0x0102, 0x0304]));
    await writer.write(new Uint8Array([9, 8, 7]).buffer);
    await writer.write(42 as unknown as string); // as text, "42"
    const reader = readable.getReader();
    expect((await reader.read()).value).toBe('text ✓');
    expect((await reader.read()).value).toEqual(new Uint8Array(new Uint16Array([0x0102, 0x0304]).buffer));
    expect((await reader.read()).value).toEqual(new Uint8Array([9, 8, 7]));
    expect((await reader.read()).value).toBe('42');
  });

  it('a refused handshake rejects opened with a WebSocketError without a code, closed with one of 1006', async () => {
    const { url } = await startServerWithConnection({ verify: () => false });
    const wss = new WebSocketStream(url);
    await expect(wss.opened).rejects.toMatchObject({ name: 'WebSocketError', closeCode: null });
    await expect(wss.closed).rejects.toMatchObject({ name: 'WebSocketError', closeCode: 1006 });
  });

  it('subprotocols offered and none chosen: the connection fails', async () => {
    const { url } = await startServerWithConnection();
    const wss = new WebSocketStream(url, { protocols: ['nobody-speaks-this'] });
    await expect(wss.opened).rejects.toMatchObject({ name: 'WebSocketError', closeCode: null });
    await expect(wss.closed).rejects.toMatchObject({ name: 'WebSocketError', closeCode: 1006 });
  });

  it('signal: aborted before or during the handshake, opened and closed reject with its reason', async () => {
    const { url } = await startServerWithConnection({ verify: () => new Promise(() => {}) }); // never answers
    const early = new WebSocketStream(url, { signal: AbortSignal.abort(new Error('early')) });
    await expect(early.opened).rejects.toThrow('early');
    await expect(early.closed).rejects.toThrow('early');
    const controller = new AbortController();
    const late = new WebSocketStream(url, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(late.opened).rejects.toMatchObject({ name: 'AbortError' });
    await expect(late.closed).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('the constructor throws SyntaxError for what WebSocket refuses', () => {
    expect(() => new WebSocketStream('ftp://127.0.0.1/')).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    expect(() => new WebSocketStream('ws://127.0.0.1/#x')).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
    expect(() => new WebSocketStream('ws://127.0.0.1/', { protocols: ['a', 'a'] })).toThrow(expect.objectContaining({ name: 'SyntaxError' }));
  });
});
