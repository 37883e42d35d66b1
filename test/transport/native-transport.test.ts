/**
 * The native transport on its own (src/transport/native-transport.ts over native/transport/):
 * accept, read, write, end, destroy; a peer that vanishes mid-write; a write queue that fills
 * (EAGAIN) and drains; thousands of connections with nothing left behind; stale handles; an
 * exception thrown by an event listener; a worker's connections closed at its exit. The rest of
 * the suite covers the transport under the WebSocket server (vitest.config.mts, projects).
 * WSFRAME_ADDON_PATH runs the same file against the sanitizer build (native-sanitizers.test.ts).
 */
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { NativeListener, NativeSocketAddresses, NativeTransport as NativeTransportClass, deferAcceptMs, nativeTransport } from '../../src/transport/native-transport.js';
import type { PlainUpgradeRules } from '../../src/transport/native-transport.js';
import type { NativeTransport } from '../../src/transport/native-transport.js';
import type { TransportListener } from '../../src/transport/transport.js';
import { isLent } from '../../src/transport/lent-memory.js';
import { RawClient, clientFrame, upgradeRequest } from '../helpers/raw-client.js';
import { WebSocketCollection } from '../../src/handler.js';
import { startServer } from '../helpers/servers.js';
import { WebSocketServer } from '../../src/server.js';

const EBADF = -9;
const repoRoot = resolve(__dirname, '../..');

/** Every event a transport reported, in order, and the bytes it read. */
class Recorder implements TransportListener {
  readonly events: string[] = [];
  readonly chunks: Buffer[] = [];
  errors: Error[] = [];
  constructor(readonly transport: NativeTransport, private readonly onBytes?: (chunk: Uint8Array) => void) {
    transport.setListener(this);
  }
  onData(chunk: Uint8Array): void {
    this.chunks.push(Buffer.from(chunk));
    this.onBytes?.(chunk);
  }
  onEnd(): void {
    this.events.push('end');
  }
  onError(error: Error): void {
    this.errors.push(error);
    this.events.push('error');
  }
  onClose(): void {
    this.events.push('close');
  }
  onDrain(): void {
    this.events.push('drain');
  }
  readonly filled: number[] = [];
  onFilled(bytes: number): void {
    this.filled.push(bytes);
  }
  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

const listening = new Set<NativeListener>();
afterEach(async () => {
  await Promise.all([...listening].map((listener) => new Promise<void>((done) => listener.close(done))));
  listening.clear();
});

/** A connection the listener opened on its own (answerPlainUpgrades): its first read and where the head ends. */
interface Opened {
  recorder: Recorder;
  bytes: Buffer;
  headLength: number;
}

/**
 * A native listener on 127.0.0.1; each accepted transport gets a Recorder (and starts reading
 * unless told not to), with its age; with `plain`, the listener answers plain upgrades under those
 * rules, and what it opened is in `opened`.
 */
async function listen(options: { read?: boolean; onBytes?: (recorder: Recorder, chunk: Uint8Array) => void; plain?: Partial<PlainUpgradeRules> } = {}) {
  const accepted: Recorder[] = [];
  const ages: number[] = [];
  const opened: Opened[] = [];
  let wake: (() => void) | undefined;
  const listener = new NativeListener(
    (transport, age) => {
      const recorder: Recorder = new Recorder(transport, (chunk) => options.onBytes?.(recorder, chunk));
      accepted.push(recorder);
      ages.push(age);
      if (options.read !== false) transport.resume();
      wake?.();
    },
    (transport, bytes, headLength) => {
      opened.push({ recorder: new Recorder(transport), bytes, headLength });
      wake?.();
    },
  );
  await listener.listen(0, '127.0.0.1');
  listening.add(listener);
  if (options.plain !== undefined) {
    listener.answerPlainUpgrades({ path: undefined, maxHeaderSize: 16 * 1024, ignoreExtensionOffers: true, announceAfter: 0, budget: -1, deferAccept: false, ...options.plain });
  }
  const port = listener.address()!.port;
  const next = async (index: number): Promise<Recorder> => {
    while (accepted.length <= index) await new Promise<void>((resolve) => (wake = resolve));
    return accepted[index]!;
  };
  const settled = async (count: number): Promise<void> => {
    while (accepted.length + opened.length < count) await new Promise<void>((resolve) => (wake = resolve));
  };
  return { listener, port, accepted, ages, opened, next, settled };
}

async function client(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

/** Node's own socket handles (the clients'; the addon's never show here, its stats() count them). */
function sockets(): string[] {
  return process.getActiveResourcesInfo().filter((kind) => kind.startsWith('TCP'));
}

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

describe.skipIf(nativeTransport === undefined)('native transport', () => {
  it('accepts, reads, writes a batch in order, and closes once after both sides ended', async () => {
    const { port, next } = await listen({
      onBytes: (recorder, chunk) => recorder.transport.write([Buffer.from('echo:'), chunk, Buffer.from(';')]),
    });
    const socket = await client(port);
    const recorder = await next(0);
    const replies: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => replies.push(chunk));
    socket.write('hello');
    await expect.poll(() => Buffer.concat(replies).toString()).toBe('echo:hello;');
    expect(recorder.transport.remoteAddress()).toBe('127.0.0.1');
    expect(recorder.transport.writable).toBe(true);
    socket.end();
    await once(socket, 'close'); // our FIN followed the peer's (no half-open connections)
    await expect.poll(() => recorder.events).toEqual(['end', 'close']);
    expect(recorder.transport.writable).toBe(false);
    expect(nativeTransport!.stats().connections).toBe(0);
  });

  it('end() sends what is queued, then FIN; the end callback runs once it is out', async () => {
    const { port, next } = await listen();
    const socket = await client(port);
    const recorder = await next(0);
    const payload = Buffer.alloc(3 * 1024 * 1024, 7);
    let ended = false;
    recorder.transport.write([payload]);
    recorder.transport.end(() => (ended = true));
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    await once(socket, 'end');
    expect(Buffer.concat(received).equals(payload)).toBe(true);
    await expect.poll(() => ended).toBe(true);
    socket.end();
    await expect.poll(() => recorder.events).toEqual(['end', 'close']);
  });

  it('destroy() drops the queue: its write callbacks fail, close is reported once, writes after it fail', async () => {
    const { port, next } = await listen({ read: false });
    const socket = await client(port);
    socket.pause(); // the queue cannot drain
    const recorder = await next(0);
    const results: unknown[] = [];
    for (let i = 0; i < 20; i++) recorder.transport.write([Buffer.alloc(1024 * 1024)], (error) => results.push(error?.message ?? 'ok'));
    expect(recorder.transport.bufferedAmount).toBeGreaterThan(0);
    recorder.transport.destroy();
    recorder.transport.destroy(); // twice: nothing more happens
    recorder.transport.write([Buffer.from('late')], (error) => results.push(`late: ${(error as NodeJS.ErrnoException).code}`));
    await expect.poll(() => recorder.events).toEqual(['close']);
    await expect.poll(() => results.length).toBe(21);
    expect(results.filter((result) => result === 'ok').length).toBeLessThan(20); // the queued ones failed
    expect(results).toContain('late: EPIPE');
    expect(recorder.transport.bufferedAmount).toBe(0);
    socket.destroy();
  });

  it('a write queue that fills (EAGAIN) drains once the peer reads: every byte in order, one drain, callbacks run', async () => {
    const { port, next } = await listen();
    const socket = await client(port);
    socket.pause();
    const recorder = await next(0);
    const chunks = Array.from({ length: 64 }, (_, i) => Buffer.alloc(256 * 1024, i));
    let called = 0;
    for (const chunk of chunks) recorder.transport.write([chunk], () => called++);
    expect(recorder.transport.bufferedAmount).toBeGreaterThan(0); // the kernel took only part of 16 MiB
    const received: Buffer[] = [];
    let length = 0;
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      length += chunk.length;
    });
    socket.resume();
    await expect.poll(() => length, { timeout: 20_000 }).toBe(64 * 256 * 1024);
    expect(Buffer.concat(received).equals(Buffer.concat(chunks))).toBe(true);
    await expect.poll(() => called).toBe(64);
    expect(recorder.events).toEqual(['drain']);
    expect(recorder.transport.bufferedAmount).toBe(0);
    socket.destroy();
    await expect.poll(() => recorder.events.at(-1)).toBe('close');
  });

  it('a peer that vanishes mid-write: an error, then close, the queued callbacks fail, nothing left', async () => {
    const { port, next } = await listen();
    const socket = await client(port);
    socket.pause();
    const recorder = await next(0);
    const errors: (Error | null | undefined)[] = [];
    for (let i = 0; i < 16; i++) recorder.transport.write([Buffer.alloc(1024 * 1024)], (error) => errors.push(error));
    expect(recorder.transport.bufferedAmount).toBeGreaterThan(0);
    socket.resetAndDestroy(); // RST: the peer is gone with our bytes unread
    await expect.poll(() => recorder.events.at(-1)).toBe('close');
    expect(recorder.events.filter((event) => event === 'close')).toHaveLength(1);
    expect(recorder.errors.map((error) => (error as NodeJS.ErrnoException).code)).toEqual([expect.stringMatching(/^(ECONNRESET|EPIPE)$/)]);
    await expect.poll(() => errors.length).toBe(16);
    expect(errors.some((error) => error instanceof Error)).toBe(true);
    expect(nativeTransport!.stats().connections).toBe(0);
  });

  it('a long read is handed over in the read buffer itself, a short one copied: the bytes JavaScript holds are never overwritten', async () => {
    const views: Uint8Array[] = []; // what onData got, kept as given (no copy)
    const { port, next } = await listen({ onBytes: (_recorder, chunk) => views.push(chunk) });
    const socket = await client(port);
    const recorder = await next(0);
    const payload = Buffer.from(Array.from({ length: 4 * 1024 * 1024 }, (_, i) => (i * 2654435761) >>> 24));
    socket.write(payload);
    await expect.poll(() => recorder.received.length, { timeout: 20_000 }).toBe(payload.length);
    socket.write('tail');
    await expect.poll(() => recorder.received.length).toBe(payload.length + 4);
    // Every view still holds what was read into it, however many reads came after it.
    expect(Buffer.concat(views).equals(Buffer.concat([payload, Buffer.from('tail')]))).toBe(true);
    const readBufferSize = nativeTransport!.stats().readBufferSize;
    const long = views.filter((view) => view.length >= readBufferSize / 4);
    expect(long.length).toBeGreaterThan(0);
    for (const view of long) {
      expect(view.buffer.byteLength).toBe(readBufferSize); // the read buffer, handed over
      // What the read did not fill is zeroed: no stale memory (another connection's bytes) behind the view.
      expect(new Uint8Array(view.buffer, view.byteOffset + view.length).every((byte) => byte === 0)).toBe(true);
    }
    const short = views.filter((view) => view.length < readBufferSize / 4);
    expect(short.length).toBeGreaterThan(0);
    for (const view of short) expect(view.buffer.byteLength).toBeLessThan(readBufferSize); // a copy of its own
    socket.destroy();
  });

  it('lendReads(): every read of the connection comes in one reused buffer (lent memory), the bytes in order', async () => {
    const lent: { memory: ArrayBufferLike; isLent: boolean }[] = [];
    const { port, next } = await listen({
      onBytes: (recorder, chunk) => {
        if (recorder.transport.handle >= 0) lent.push({ memory: chunk.buffer, isLent: isLent(chunk) });
      },
    });
    const socket = await client(port);
    const recorder = await next(0);
    recorder.transport.lendReads();
    const payload = Buffer.from(Array.from({ length: 2 * 1024 * 1024 }, (_, i) => (i * 2654435761) >>> 24));
    for (let at = 0; at < payload.length; at += 100_000) socket.write(payload.subarray(at, at + 100_000));
    await expect.poll(() => recorder.received.length, { timeout: 20_000 }).toBe(payload.length);
    expect(recorder.received.equals(payload)).toBe(true); // each read copied out by the recorder before the next
    expect(lent.length).toBeGreaterThan(1);
    expect(lent.every((read) => read.isLent && read.memory === lent[0]!.memory)).toBe(true);
    expect(lent[0]!.memory.byteLength).toBe(nativeTransport!.stats().reusedReadBufferSize);
    socket.destroy();
    await expect.poll(() => recorder.events).toContain('close');
    expect(nativeTransport!.lendReads(recorder.transport.handle)).toBe(EBADF); // a stale handle
  });

  /** A connection whose next `size` bytes go into a target (readInto), reported every `reportEveryMs`. */
  async function connectionReadingInto(size: number, reportEveryMs = 1000) {
    const { port, next } = await listen();
    const socket = await client(port);
    const recorder = await next(0);
    const target = new Uint8Array(size);
    expect(recorder.transport.readInto(target, reportEveryMs)).toBe(true);
    return { socket, recorder, target };
  }

  it('readInto(): the next bytes go into the target, reported once it is full; then reads come as data again', async () => {
    const { socket, recorder, target } = await connectionReadingInto(300 * 1024);
    expect(recorder.transport.readInto(new Uint8Array(10), 1000)).toBe(false); // one target at a time (EBUSY)
    const payload = Buffer.from(Array.from({ length: target.length }, (_, i) => (i * 7) & 0xff));
    socket.write(Buffer.concat([payload, Buffer.from('after')]));
    await expect.poll(() => recorder.received.toString()).toBe('after');
    expect(recorder.filled).toEqual([target.length]); // fast: one report, when full
    expect(Buffer.from(target).equals(payload)).toBe(true);
    socket.destroy();
  });

  it('readInto(): a target that fills slowly is reported every reportEveryMs while bytes arrive (activity for an idle timeout), and when full', async () => {
    const { socket, recorder, target } = await connectionReadingInto(8 * 1024, 100);
    for (let at = 0; at < target.length; at += 1024) {
      socket.write(Buffer.alloc(1024, 5));
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    await expect.poll(() => recorder.filled.reduce((sum, bytes) => sum + bytes, 0)).toBe(target.length);
    // 8 pieces over ~480 ms: a report at least every 100 ms of arrivals, not one at the end alone.
    expect(recorder.filled.length).toBeGreaterThanOrEqual(3);
    expect(recorder.filled.length).toBeLessThan(8);
    expect(target.every((byte) => byte === 5)).toBe(true);
    socket.destroy();
  });

  it('a peer that leaves in the middle of a target: the connection closes once, its target is dropped, nothing is left', async () => {
    const { socket, recorder, target } = await connectionReadingInto(512 * 1024);
    socket.write(Buffer.alloc(100 * 1024, 9)); // a fifth of it, then gone
    await expect.poll(() => target[100 * 1024 - 1]).toBe(9);
    socket.destroy();
    await expect.poll(() => recorder.events).toEqual(['end', 'close']);
    expect(recorder.filled).toEqual([]); // not full, and under a second: nothing reported
    expect(recorder.transport.readInto(new Uint8Array(10), 1000)).toBe(false); // the handle is stale
    expect(nativeTransport!.stats().connections).toBe(0);
  });

  it('a target whose ArrayBuffer was detached is never written: the connection closes with an error, the process goes on', async () => {
    const { socket, recorder, target } = await connectionReadingInto(128 * 1024);
    socket.on('error', () => {}); // the close with unread bytes resets the client's side
    const moved = new Uint8Array(structuredClone(target.buffer, { transfer: [target.buffer] }));
    expect(target.byteLength).toBe(0); // detached
    socket.write(Buffer.alloc(1000, 1));
    await expect.poll(() => recorder.events).toEqual(['error', 'close']);
    expect((recorder.errors[0] as NodeJS.ErrnoException).code).toBe('ENOBUFS');
    expect(moved.every((byte) => byte === 0)).toBe(true); // nothing was written to the memory it moved to
    expect(nativeTransport!.stats().connections).toBe(0);
    socket.destroy();
  });

  it('a large binary message to the server is read straight into its own buffer (readInto), byte for byte', async () => {
    const { port } = await startServer({}, (ws) => ws.on('message', (data: Buffer) => ws.send(data)));
    const targets: number[] = [];
    const readInto = NativeTransportClass.prototype.readInto;
    NativeTransportClass.prototype.readInto = function (this: NativeTransport, target: Uint8Array, reportEveryMs: number) {
      targets.push(target.length);
      return readInto.call(this, target, reportEveryMs);
    };
    try {
      const raw = await RawClient.upgraded(port);
      const payload = Buffer.from(Array.from({ length: 2 * 1024 * 1024 }, (_, i) => (i * 2654435761) >>> 24));
      raw.send(2, payload);
      const echoed = await raw.frame(20_000);
      expect(echoed.payload.equals(payload)).toBe(true);
      // All but the first read, in two targets: the message buffer is reserved at most 1 MiB
      // ahead of what has arrived (a peer that only declares a large frame gets no memory for it).
      expect(targets.length).toBe(2);
      expect(targets[0]! + targets[1]!).toBeGreaterThan(payload.length - 64 * 1024);
      expect(targets[0]! + targets[1]!).toBeLessThan(payload.length);
      raw.destroy();
    } finally {
      NativeTransportClass.prototype.readInto = readInto;
    }
  });

  it('writes: a batch of small frames goes to the addon as one chunk, one frame (a broadcast\'s shared one) as it is, never copied', async () => {
    const room = new WebSocketCollection();
    const { port } = await startServer({}, (ws) => {
      room.add(ws);
      ws.on('message', (data: Buffer) => ws.send(data));
    });
    const written: (Uint8Array | readonly Uint8Array[])[] = [];
    const write = nativeTransport!.write;
    nativeTransport!.write = (handle, chunks) => (written.push(chunks), write(handle, chunks));
    try {
      const raw = await RawClient.upgraded(port);
      await expect.poll(() => room.size).toBe(1);
      const payload = Buffer.alloc(300, 7);
      room.broadcast(payload);
      expect((await raw.frame()).payload.equals(payload)).toBe(true);
      const broadcastWrite = written.at(-1) as readonly Uint8Array[];
      expect(Array.isArray(broadcastWrite) && broadcastWrite[1]).toBe(payload); // the caller's memory, no copy
      raw.write(Buffer.concat(Array.from({ length: 16 }, (_, i) => clientFrame(2, Buffer.from([i])))));
      for (let i = 0; i < 16; i++) expect([...(await raw.frame()).payload]).toEqual([i]);
      expect(written.slice(1).some((chunks) => Buffer.isBuffer(chunks) && chunks.length === 16 * 3)).toBe(true); // 16 frames of 3 B, joined
      raw.destroy();
    } finally {
      nativeTransport!.write = write;
      room.close();
    }
  });

  it('pause() stops reading (TCP pushes back on the peer), resume() goes on with nothing lost', async () => {
    const { port, next } = await listen();
    const socket = await client(port);
    const recorder = await next(0);
    recorder.transport.pause();
    const payload = Buffer.alloc(8 * 1024 * 1024, 3);
    const flushed = socket.write(payload);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(flushed).toBe(false);
    expect(socket.writableLength).toBeGreaterThan(0); // the peer's data waits: we are not reading
    const before = recorder.received.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(recorder.received.length).toBe(before);
    recorder.transport.resume();
    await expect.poll(() => recorder.received.length, { timeout: 20_000 }).toBe(payload.length);
    expect(recorder.received.equals(payload)).toBe(true);
    socket.destroy();
  });

  it('a stale handle (its connection closed, its slot reused) does nothing: every call answers EBADF', async () => {
    const { port, next } = await listen();
    const first = await client(port);
    const stale = { handle: (await next(0)).transport.handle }; // what a holder of the old handle keeps
    first.destroy();
    await expect.poll(() => nativeTransport!.stats().connections).toBe(0);
    const second = await client(port);
    const live = await next(1);
    expect(live.transport.handle % 2 ** 24).toBe(stale.handle % 2 ** 24); // the same slot, a new generation
    expect(live.transport.handle).not.toBe(stale.handle);
    const functions = nativeTransport!;
    expect(functions.destroy(stale.handle)).toBe(EBADF);
    expect(functions.end(stale.handle)).toBe(EBADF);
    expect(functions.pause(stale.handle)).toBe(EBADF);
    expect(functions.resume(stale.handle)).toBe(EBADF);
    expect(functions.write(stale.handle, Buffer.from('x'))).toBe(EBADF);
    expect(functions.address(stale.handle, 1)).toBe(EBADF);
    for (const nonsense of [-1, 2 ** 60, 1.5, Number.NaN]) expect(functions.destroy(nonsense)).toBe(EBADF);
    expect(() => functions.destroy('1' as unknown as number)).toThrow(TypeError);
    expect(() => functions.write(live.transport.handle, ['x'] as unknown as Uint8Array[])).toThrow(TypeError);
    // The live connection did not notice.
    const replies: Buffer[] = [];
    second.on('data', (chunk: Buffer) => replies.push(chunk));
    live.transport.write([Buffer.from('still here')]);
    await expect.poll(() => Buffer.concat(replies).toString()).toBe('still here');
    second.destroy();
  });

  it('thousands of connections opened and closed leave no handle, descriptor or slot in use', async () => {
    const { port, accepted } = await listen();
    const fdsBefore = openDescriptors();
    const resourcesBefore = sockets();
    const count = 3000;
    for (let round = 0; round < 2; round++) {
      // In batches the backlog holds (a connection dropped from a full backlog waits for SYN-ACK retries).
      const sockets: Socket[] = [];
      for (let batch = 0; batch < count / 2; batch += 250) {
        sockets.push(...(await Promise.all(Array.from({ length: 250 }, () => client(port)))));
        await expect.poll(() => nativeTransport!.stats().connections).toBe(sockets.length);
      }
      // The first round closes from the peer's side, the second from ours.
      const closed = sockets.map((socket) => once(socket, 'close'));
      if (round === 0) for (const socket of sockets) socket.destroy();
      else for (const recorder of accepted.slice(count / 2)) recorder.transport.destroy();
      await Promise.all(closed);
      await expect.poll(() => nativeTransport!.stats().connections, { timeout: 20_000 }).toBe(0);
    }
    expect(accepted).toHaveLength(count);
    expect(accepted.every((recorder) => recorder.events.filter((event) => event === 'close').length === 1)).toBe(true);
    expect(nativeTransport!.stats().connectionSlots).toBeLessThan(count); // slots were reused (allocated 1,024 at a time)
    await expect.poll(() => openDescriptors()).toBe(fdsBefore);
    await expect.poll(() => sockets().length).toBeLessThanOrEqual(resourcesBefore.length); // earlier tests' may still close
  }, 60_000);

  it('an exception thrown by an event listener reaches uncaughtException (not swallowed)', () => {
    const script = `
      const { NativeListener } = require(${JSON.stringify(resolve(repoRoot, 'dist/transport/native-transport.js'))});
      const net = require('node:net');
      process.on('uncaughtException', (error) => { console.log('uncaught: ' + error.message); process.exit(0); });
      const listener = new NativeListener((transport) => {
        transport.setListener({ onData() { throw new Error('thrown in onData'); }, onEnd() {}, onError() {}, onClose() {}, onDrain() {} });
        transport.resume();
      });
      listener.listen(0, '127.0.0.1').then(() => net.connect(listener.address().port, '127.0.0.1').write('x'));
    `;
    const output = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 10_000 });
    expect(output.trim()).toBe('uncaught: thrown in onData');
  });

  it('a worker that exits with a listener and open connections closes them (env cleanup), the process goes on', async () => {
    const worker = new Worker(
      `
      const { parentPort } = require('node:worker_threads');
      const { NativeListener } = require(${JSON.stringify(resolve(repoRoot, 'dist/transport/native-transport.js'))});
      const listener = new NativeListener((transport) => { transport.resume(); parentPort.postMessage('accepted'); });
      listener.listen(0, '127.0.0.1').then(() => parentPort.postMessage(listener.address().port));
      `,
      { eval: true },
    );
    const [port] = (await once(worker, 'message')) as [number];
    const socket = await client(port);
    await once(worker, 'message'); // accepted
    const closed = once(socket, 'close');
    socket.on('error', () => {});
    await worker.terminate();
    await closed; // the worker's connection was closed by its env cleanup hook
    await expect(client(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' }); // and its listener
  });
});

/** The next `length` bytes the peer reads. */
function readBytes(socket: Socket, length: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      if (total < length) return;
      socket.off('data', onData).off('error', reject);
      resolve(Buffer.concat(chunks));
    };
    socket.on('data', onData).on('error', reject);
  });
}

const ACCEPT_101 =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';

describe.skipIf(nativeTransport === undefined)('a native listener answering plain upgrades itself', () => {
  it('opens a plain upgrade with one event: the 101 written (RFC 6455 §1.3 accept), the read and where its head ends, frames after it kept', async () => {
    const { port, accepted, opened, settled } = await listen({ plain: {} });
    const before = nativeTransport!.stats().plainOpened;
    const socket = await client(port);
    const head = upgradeRequest(port);
    const frame = clientFrame(1, 'in the same read');
    socket.write(Buffer.concat([Buffer.from(head), frame]));
    await settled(1);
    expect(accepted).toHaveLength(0);
    expect(opened).toHaveLength(1);
    expect(opened[0]!.headLength).toBe(head.length);
    expect(opened[0]!.bytes.toString('latin1')).toBe(head + frame.toString('latin1'));
    expect(nativeTransport!.stats().plainOpened).toBe(before + 1);
    expect((await readBytes(socket, ACCEPT_101.length)).toString('latin1')).toBe(ACCEPT_101);
    // The connection reads and writes as any other.
    const { recorder } = opened[0]!;
    socket.write('more');
    await expect.poll(() => recorder.received.toString()).toBe('more');
    recorder.transport.write([Buffer.from('back')]);
    expect((await readBytes(socket, 4)).toString()).toBe('back');
    socket.destroy();
    await expect.poll(() => recorder.events).toEqual(['end', 'close']);
  });

  it('anything else is accepted as before, its first read delivered as data: a subprotocol, a bad request, a head in pieces', async () => {
    const { port, accepted, opened, ages, settled } = await listen({ plain: {} });
    const firsts = [
      upgradeRequest(port, { 'Sec-WebSocket-Protocol': 'chat' }),
      upgradeRequest(port, { 'Sec-WebSocket-Version': '8' }),
      'GET / HTTP/1.1\r\nHost: x\r\n', // the head's first piece
      'not http at all\r\n\r\n',
    ];
    const sockets: Socket[] = [];
    for (const [i, first] of firsts.entries()) {
      const socket = await client(port);
      sockets.push(socket);
      socket.write(first);
      await settled(i + 1);
      await expect.poll(() => accepted[i]?.received.toString('latin1')).toBe(first);
    }
    expect(opened).toHaveLength(0);
    expect(ages.every((age) => age >= 0 && age < 5000)).toBe(true);
    for (const socket of sockets) socket.destroy();
  });

  it('the server\'s rules decide: path (its query aside), maxHeaderSize, an extension offer, and how many it may open (budget)', async () => {
    const { listener, port, accepted, opened, settled } = await listen({ plain: { path: '/chat', maxHeaderSize: 300, ignoreExtensionOffers: false, budget: 1 } });
    const cases: [string, 'opened' | 'accepted'][] = [
      [upgradeRequest(port, {}, '/chat?room=1'), 'opened'], // budget 1: the last it may open
      [upgradeRequest(port, {}, '/chat'), 'accepted'], // budget spent
    ];
    const sockets: Socket[] = [];
    const run = async (list: [string, 'opened' | 'accepted'][]) => {
      for (const [first, expected] of list) {
        const [openedBefore, acceptedBefore] = [opened.length, accepted.length];
        const socket = await client(port);
        sockets.push(socket);
        socket.write(first);
        await settled(openedBefore + acceptedBefore + 1);
        expect([opened.length - openedBefore, accepted.length - acceptedBefore], first).toEqual(expected === 'opened' ? [1, 0] : [0, 1]);
      }
    };
    await run(cases);
    listener.plainUpgradeBudget(-1);
    await run([
      [upgradeRequest(port, {}, '/chat'), 'opened'],
      [upgradeRequest(port, {}, '/'), 'accepted'],
      [upgradeRequest(port, {}, '/chat/'), 'accepted'],
      [upgradeRequest(port, {}, '/chatroom'), 'accepted'],
      [upgradeRequest(port, { 'X-Padding': 'x'.repeat(200) }, '/chat'), 'accepted'], // a head over 300 bytes
      [upgradeRequest(port, { 'Sec-WebSocket-Extensions': 'permessage-deflate' }, '/chat'), 'accepted'], // the server negotiates one
    ]);
    // A path outside ASCII is compared as the server compares it, not by its characters' low bytes ("/š" is not "/a").
    listener.answerPlainUpgrades({ path: '/\u0161', maxHeaderSize: 300, ignoreExtensionOffers: false, announceAfter: 0, budget: -1, deferAccept: false });
    await run([[upgradeRequest(port, {}, '/a'), 'accepted']]);
    listener.answerPlainUpgrades({ path: '/chat', maxHeaderSize: 300, ignoreExtensionOffers: false, announceAfter: 0, budget: -1, deferAccept: false });
    listener.plainUpgradeBudget(0);
    await run([[upgradeRequest(port, {}, '/chat'), 'accepted']]);
    for (const socket of sockets) socket.destroy();
  });

  it('a silent connection is announced after announceAfter, with its age; with 0 it waits; either way the listener\'s close drops it', async () => {
    const quiet = await listen({ plain: { announceAfter: 0 } });
    const announcing = await listen({ plain: { announceAfter: 60 } });
    const [waiting, silent] = [(await client(quiet.port)).resume(), await client(announcing.port)];
    await announcing.settled(1);
    expect(announcing.ages[0]).toBeGreaterThanOrEqual(60);
    expect(announcing.accepted[0]!.chunks).toHaveLength(0);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(quiet.accepted.length + quiet.opened.length).toBe(0);
    expect(nativeTransport!.stats().unannounced).toBeGreaterThanOrEqual(1);
    const closed = once(waiting, 'close');
    waiting.on('error', () => {});
    quiet.listener.close(() => {});
    await closed;
    await expect.poll(() => nativeTransport!.stats().unannounced).toBe(0);
    expect(quiet.accepted.length + quiet.opened.length).toBe(0); // dropped without an event
    silent.destroy();
  });

  it('a listener with a shorter wait is not held to another\'s: its silent connection is announced by its own time', async () => {
    const connectionsBefore = nativeTransport!.stats().connections;
    const slow = await listen({ plain: { announceAfter: 10_000 } });
    const waiting = await client(slow.port); // the timer starts, for waits of 10 s
    await expect.poll(() => nativeTransport!.stats().unannounced).toBeGreaterThanOrEqual(1);
    const fast = await listen({ plain: { announceAfter: 60 } }); // a listener that came later
    const silent = await client(fast.port);
    const started = Date.now();
    await fast.settled(1);
    expect(Date.now() - started).toBeLessThan(2000); // within a few of its waits, not 10 s
    expect(fast.ages[0]).toBeGreaterThanOrEqual(60);
    expect(slow.accepted.length + slow.opened.length).toBe(0);
    waiting.destroy();
    silent.destroy();
    await expect.poll(() => nativeTransport!.stats().connections).toBe(connectionsBefore);
  });

  it('a peer that leaves before sending anything, or sends a FIN alone, is closed without an event', async () => {
    const { port, accepted, opened } = await listen({ plain: { announceAfter: 0 } });
    const connectionsBefore = nativeTransport!.stats().connections;
    const reset = await client(port);
    reset.resetAndDestroy();
    const fin = await client(port);
    fin.end();
    await once(fin, 'close');
    await expect.poll(() => nativeTransport!.stats().connections).toBe(connectionsBefore);
    expect(nativeTransport!.stats().unannounced).toBe(0);
    expect(accepted.length + opened.length).toBe(0);
  });

  describe.runIf(process.platform === 'linux')('with deferAccept (TCP_DEFER_ACCEPT)', () => {
    it('the kernel holds a connection until its head arrives, and the accept answers it; a silent one comes after the kernel\'s wait, counted as that old and due at once', async () => {
      const before = nativeTransport!.stats().connections;
      const { port, accepted, ages, opened, settled } = await listen({ plain: { announceAfter: 500, deferAccept: true } });
      const silent = await client(port);
      const connectedAt = Date.now();
      const talking = await client(port);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(nativeTransport!.stats().connections).toBe(before); // both still the kernel's
      talking.write(upgradeRequest(port));
      await settled(1);
      expect(opened).toHaveLength(1);
      expect((await readBytes(talking, ACCEPT_101.length)).toString('latin1')).toBe(ACCEPT_101);
      expect(nativeTransport!.stats()).toMatchObject({ connections: before + 1, unannounced: 0 });
      await settled(2);
      expect(Date.now() - connectedAt).toBeGreaterThanOrEqual(deferAcceptMs() / 2); // (this process's own delays aside)
      expect(accepted).toHaveLength(1);
      expect(accepted[0]!.chunks).toHaveLength(0);
      expect(ages[0]).toBeGreaterThanOrEqual(deferAcceptMs()); // its 500 ms had passed in the kernel: announced at its accept
      expect(ages[0]).toBeLessThan(deferAcceptMs() + 500);
      silent.destroy();
      talking.destroy();
      await expect.poll(() => nativeTransport!.stats().connections).toBe(before);
    });

    it('a silent connection accepted after the kernel\'s wait still gets its head answered by the listener; one that sends a FIN alone is closed without an event', async () => {
      const before = nativeTransport!.stats().connections;
      const { port, accepted, opened, settled } = await listen({ plain: { announceAfter: 0, deferAccept: true } });
      const late = await client(port);
      const fin = await client(port);
      fin.end();
      await once(fin, 'close');
      await expect.poll(() => nativeTransport!.stats().unannounced, { timeout: 3 * deferAcceptMs() }).toBe(1);
      late.write(upgradeRequest(port));
      await settled(1);
      expect(opened).toHaveLength(1);
      expect((await readBytes(late, ACCEPT_101.length)).toString('latin1')).toBe(ACCEPT_101);
      expect(accepted).toHaveLength(0);
      late.destroy();
      await expect.poll(() => nativeTransport!.stats().connections).toBe(before);
    });
  });

  it('thousands opened by the listener and closed from both sides leave no handle, descriptor or slot', async () => {
    const { port, opened, settled } = await listen({ plain: { announceAfter: 1000 } });
    const fdsBefore = openDescriptors();
    const connectionsBefore = nativeTransport!.stats().connections;
    const count = 2000;
    const sockets: Socket[] = [];
    for (let batch = 0; batch < count; batch += 250) {
      const group = await Promise.all(Array.from({ length: 250 }, () => client(port)));
      for (const socket of group) socket.write(upgradeRequest(port));
      sockets.push(...group);
      await settled(sockets.length);
    }
    expect(opened).toHaveLength(count);
    // Half closed by the peer, half by the server (each connection's server side found by the peer's port).
    const byPort = new Map(opened.map(({ recorder }) => [new NativeSocketAddresses(recorder.transport).remotePort, recorder]));
    const closed = sockets.map((socket) => once(socket.resume(), 'close')); // reading: past the 101 to the FIN
    sockets.forEach((socket, i) => (i % 2 === 0 ? socket.destroy() : byPort.get(socket.localPort)!.transport.destroy()));
    await Promise.all(closed);
    await expect.poll(() => nativeTransport!.stats().connections, { timeout: 20_000 }).toBe(connectionsBefore);
    expect(opened.every(({ recorder }) => recorder.events.filter((event) => event === 'close').length === 1)).toBe(true);
    expect(nativeTransport!.stats().unannounced).toBe(0);
    await expect.poll(() => openDescriptors()).toBe(fdsBefore);
  }, 60_000);

  it('a worker that exits while it holds silent connections (its timer running) cleans up, the process goes on', async () => {
    const worker = new Worker(
      `
      const { parentPort } = require('node:worker_threads');
      const { NativeListener } = require(${JSON.stringify(resolve(repoRoot, 'dist/transport/native-transport.js'))});
      const listener = new NativeListener(() => {}, () => {});
      listener.listen(0, '127.0.0.1').then(() => {
        listener.answerPlainUpgrades({ path: undefined, maxHeaderSize: 16384, ignoreExtensionOffers: true, announceAfter: 10000, budget: -1, deferAccept: false });
        parentPort.postMessage(listener.address().port);
      });
      `,
      { eval: true },
    );
    const [port] = (await once(worker, 'message')) as [number];
    const socket = await client(port);
    socket.on('error', () => {});
    const closed = once(socket, 'close');
    await expect.poll(() => worker.threadId > 0).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50)); // accepted by now, unannounced
    await worker.terminate();
    await closed;
  });
});

describe.skipIf(nativeTransport === undefined)('the standalone server on the native transport', () => {
  it('is the default; verify sees the addresses a net.Socket would give', async () => {
    let socket: unknown;
    const { server, port } = await startServer({ transport: 'native', verify: (request) => ((socket = request.socket), true) });
    expect(server.transport).toBe('native');
    const client = await RawClient.upgraded(port);
    expect(socket).toBeInstanceOf(NativeSocketAddresses);
    const addresses = socket as NativeSocketAddresses;
    expect(addresses.remoteAddress).toBe('127.0.0.1');
    expect(addresses.remotePort).toBe(client.localPort);
    expect(addresses.localPort).toBe(port);
    expect(addresses.remoteFamily).toBe('IPv4');
    client.destroy();
  });

  it('a port in use is an \'error\' event with code EADDRINUSE, as with net.Server, and leaves no listener', async () => {
    const { port } = await startServer({ transport: 'native' });
    const before = nativeTransport!.stats().listeners;
    const second = new WebSocketServer({ host: '127.0.0.1', port, transport: 'native' });
    const [error] = (await once(second, 'error')) as [NodeJS.ErrnoException];
    expect(error).toMatchObject({ code: 'EADDRINUSE', syscall: 'listen' });
    await expect.poll(() => nativeTransport!.stats().listeners).toBe(before);
    await second.close();
  });

  it('after a session and close() no connection or listener is left in the addon', async () => {
    const before = nativeTransport!.stats();
    const { server, port } = await startServer({ transport: 'native', closeTimeout: 100 }, (ws) => ws.on('message', (data) => ws.send(data)));
    const clients = await Promise.all(Array.from({ length: 20 }, () => RawClient.upgraded(port)));
    const pending = await RawClient.open(port); // still sending its head
    pending.write('GET / HTTP/1.1\r\n'); // accepted once these bytes are in (a deferred accept)
    await expect.poll(() => nativeTransport!.stats().connections).toBe(before.connections + 21);
    await server.close();
    await Promise.all(clients.map((client) => client.waitClosed()));
    await pending.waitClosed();
    await expect.poll(() => nativeTransport!.stats()).toMatchObject({ connections: before.connections, listeners: before.listeners });
  });
});
