/**
 * A deliberately dumb WebSocket client for socket tests: it writes whatever bytes a test gives
 * it (valid or hostile) and decodes what the server sends back with its own small decoder, so
 * the server is not checked only against wsframe's own parser.
 */
import { Socket, connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import * as http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import { carrier, wsClientCarrier } from './carrier.js';

export interface ServerFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  payload: Buffer;
}

export interface HttpHead {
  status: number;
  headers: Record<string, string>;
  raw: string;
}

export const sampleKey = 'dGhlIHNhbXBsZSBub25jZQ==';

/** Sends `request` on a new connection; the response's status and headers, and everything sent until the server closed. */
export async function answer(port: number, request: string | Buffer): Promise<{ status: number; text: string; headers: Record<string, string> }> {
  const client = await RawClient.open(port);
  client.write(request);
  const head = await client.response();
  const text = await client.rest();
  return { status: head.status, text, headers: head.headers };
}

export function upgradeRequest(port: number, extra: Record<string, string> = {}, path = '/'): string {
  const headers: Record<string, string> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': sampleKey,
    'Sec-WebSocket-Version': '13',
    ...extra,
  };
  const lines = Object.entries(headers)
    .filter(([, value]) => value !== '')
    .map(([name, value]) => `${name}: ${value}`);
  return `GET ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** A client frame: masked (as RFC 6455 §5.1 requires) unless `mask` is false. */
export function clientFrame(opcode: number, payload: Buffer | string, options: { fin?: boolean; rsv?: number; mask?: boolean } = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const fin = options.fin ?? true;
  const masked = options.mask ?? true;
  const head = [(fin ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode];
  const maskBit = masked ? 0x80 : 0;
  if (data.length < 126) head.push(maskBit | data.length);
  else if (data.length < 65536) head.push(maskBit | 126, data.length >> 8, data.length & 0xff);
  else {
    head.push(maskBit | 127, 0, 0, 0, 0);
    head.push((data.length >>> 24) & 0xff, (data.length >>> 16) & 0xff, (data.length >>> 8) & 0xff, data.length & 0xff);
  }
  if (!masked) return Buffer.concat([Buffer.from(head), data]);
  const key = randomBytes(4);
  const body = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) body[i] = data[i]! ^ key[i & 3]!;
  return Buffer.concat([Buffer.from(head), key, body]);
}

export function closePayload(code: number, reason = ''): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2);
  return payload;
}

/**
 * Where the frame at the start of `bytes` lies (RFC 6455 §5.2): whether it is masked, where its
 * payload starts (after the masking key) and where it ends; undefined until its header is there.
 */
export function frameExtent(bytes: Buffer): { masked: boolean; payloadStart: number; end: number } | undefined {
  if (bytes.length < 2) return undefined;
  let length = bytes[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (bytes.length < 4) return undefined;
    length = bytes.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (bytes.length < 10) return undefined;
    length = Number(bytes.readBigUInt64BE(2));
    offset = 10;
  }
  const masked = (bytes[1]! & 0x80) !== 0;
  if (masked) offset += 4;
  return { masked, payloadStart: offset, end: offset + length };
}

/** Request headers an RFC 8441 stream does without (§5: no Upgrade, Connection, Key or Host; :authority instead). */
const NOT_OVER_HTTP2 = new Set(['host', 'upgrade', 'connection', 'sec-websocket-key']);

export class RawClient {
  /**
   * What carries the bytes: the TCP socket, or over HTTP/2 the extended CONNECT's stream (the
   * same Duplex calls: end() is END_STREAM, pause() stops taking DATA so flow control pushes back).
   */
  readonly socket: Duplex;
  /** The HTTP/2 session under the stream (only over HTTP/2); closed with the stream. */
  private session: http2.ClientHttp2Session | undefined;
  /** Received bytes not parsed yet, joined into one Buffer. */
  private buffer = Buffer.alloc(0);
  /**
   * Reads that arrived while the frame at the start of `buffer` was still incomplete: they are
   * joined to it once `needed` bytes are there, not read by read (a 16 MiB frame arrives in
   * thousands of reads, and joining at each one copied gigabytes).
   */
  private unjoined: Buffer[] = [];
  private unjoinedBytes = 0;
  private needed = 0;
  private head: HttpHead | undefined;
  private readonly frames: ServerFrame[] = [];
  private waiting: (() => void) | undefined;
  ended = false;
  closed = false;

  private constructor(socket: Duplex, session?: http2.ClientHttp2Session, head?: HttpHead) {
    this.socket = socket;
    this.session = session;
    this.head = head;
    socket.on('data', (chunk: Buffer) => {
      this.unjoined.push(chunk);
      this.unjoinedBytes += chunk.length;
      if (this.buffer.length + this.unjoinedBytes < this.needed) return;
      this.join();
      this.parse();
      this.wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.wake();
    });
    socket.on('close', () => {
      this.join();
      this.closed = true;
      this.session?.close();
      this.wake();
    });
    socket.on('error', () => {});
  }

  /** A connection to the server (over TLS in the `tls` project, carrier.ts). */
  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket =
        carrier === 'tls'
          ? tls.connect({ port, host: '127.0.0.1', ...wsClientCarrier }, () => resolve(new RawClient(socket)))
          : connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /**
   * Open, send an upgrade request and wait for the 101; in the `http2` project (carrier.ts), an
   * extended CONNECT on a new HTTP/2 session and its 200 (RFC 8441 §4, §5), `extra` as its headers.
   */
  static async upgraded(port: number, extra: Record<string, string> = {}, path = '/'): Promise<RawClient> {
    if (carrier === 'http2') return RawClient.connectStream(port, extra, path);
    const client = await RawClient.open(port);
    client.write(upgradeRequest(port, extra, path));
    const head = await client.response();
    if (head.status !== 101) throw new Error(`expected 101, got ${head.status}`);
    return client;
  }

  private static async connectStream(port: number, extra: Record<string, string>, path: string): Promise<RawClient> {
    // Nagle off, as noDelay() does for TCP: small writes arrive as separate DATA frames.
    const session = http2.connect(`http://127.0.0.1:${port}`, { createConnection: () => connect(port, '127.0.0.1').setNoDelay(true) });
    session.on('error', () => {});
    // §3: the server must have sent SETTINGS_ENABLE_CONNECT_PROTOCOL before the client may use it.
    await new Promise<void>((resolve, reject) => {
      session.once('remoteSettings', () => resolve());
      session.once('close', () => reject(new Error('the HTTP/2 session closed before its SETTINGS')));
    });
    const headers: http2.OutgoingHttpHeaders = {
      ':method': 'CONNECT',
      ':protocol': 'websocket',
      ':scheme': 'http',
      ':authority': `127.0.0.1:${port}`,
      ':path': path,
      'sec-websocket-version': '13',
    };
    for (const [name, value] of Object.entries(extra)) {
      const lower = name.toLowerCase();
      if (value === '') delete headers[lower];
      else if (!NOT_OVER_HTTP2.has(lower)) headers[lower] = value;
    }
    const stream = session.request(headers, { endStream: false });
    const response = await new Promise<http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader>((resolve, reject) => {
      stream.once('response', resolve);
      stream.once('close', () => reject(new Error(`the stream closed before a response (RST_STREAM ${stream.rstCode})`)));
    });
    const status = Number(response[':status']);
    if (status !== 200) {
      session.destroy();
      throw new Error(`expected 200, got ${status}`);
    }
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(response)) if (!name.startsWith(':')) fields[name] = String(value);
    // The head a 101 would have been, for tests that read it: its status stands for "switched".
    return new RawClient(stream, session, { status: 101, headers: fields, raw: '' });
  }

  /** The client's own port: of its TCP connection (under the TLS or the HTTP/2 session, if any). */
  get localPort(): number | undefined {
    return this.socket instanceof Socket ? this.socket.localPort : this.session?.socket.localPort;
  }

  /** Nagle off, so small writes go out (and arrive) one by one; over HTTP/2 it is off from the start. */
  noDelay(): void {
    if (this.socket instanceof Socket) this.socket.setNoDelay(true);
  }

  write(data: Buffer | string): void {
    this.socket.write(data);
  }

  send(opcode: number, payload: Buffer | string = Buffer.alloc(0), options?: { fin?: boolean; rsv?: number; mask?: boolean }): void {
    this.write(clientFrame(opcode, payload, options));
  }

  /** The HTTP response head (and body, for refusals, in `raw`). */
  async response(): Promise<HttpHead> {
    await this.until(() => this.head !== undefined || this.closed);
    if (this.head === undefined) throw new Error(`connection closed before a response: ${this.buffer.toString('latin1')}`);
    return this.head;
  }

  /** Everything the server sent until it closed TCP (for refusals: the whole response). */
  async rest(): Promise<string> {
    await this.until(() => this.closed);
    return (this.head?.raw ?? '') + this.buffer.toString('utf8');
  }

  async frame(timeoutMs = 5000): Promise<ServerFrame> {
    await this.until(() => this.frames.length > 0 || this.closed, timeoutMs);
    const frame = this.frames.shift();
    if (frame === undefined) throw new Error('connection closed with no further frame');
    return frame;
  }

  /** The next close frame's code (skipping data/pings), or undefined when TCP closed without one. */
  async closeCode(timeoutMs = 5000): Promise<number | undefined> {
    for (;;) {
      await this.until(() => this.frames.length > 0 || this.closed, timeoutMs);
      const frame = this.frames.shift();
      if (frame === undefined) return undefined;
      if (frame.opcode === 8) return frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
    }
  }

  async waitClosed(timeoutMs = 5000): Promise<void> {
    await this.until(() => this.closed, timeoutMs);
  }

  /** Drop the connection: TCP closed at once; over HTTP/2 the whole session (stream and TCP) goes. */
  destroy(): void {
    this.socket.destroy();
    this.session?.destroy();
  }

  private until(done: () => boolean, timeoutMs = 5000): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error('timed out waiting for the server'));
      }, timeoutMs);
      this.waiting = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiting = undefined;
        resolve();
      };
    });
  }

  private wake(): void {
    this.waiting?.();
  }

  private join(): void {
    if (this.unjoinedBytes === 0) return;
    this.buffer = Buffer.concat([this.buffer, ...this.unjoined]);
    this.unjoined = [];
    this.unjoinedBytes = 0;
  }

  private parse(): void {
    this.needed = 0;
    if (this.head === undefined) {
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end === -1) return;
      const text = this.buffer.subarray(0, end).toString('latin1');
      const [statusLine, ...lines] = text.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      this.head = { status: Number(statusLine!.split(' ')[1]), headers, raw: text + '\r\n\r\n' };
      this.buffer = this.buffer.subarray(end + 4);
      if (this.head.status !== 101) return; // a refusal's body is not frames
    }
    if (this.head.status !== 101) return;
    for (;;) {
      const b = this.buffer;
      const frame = frameExtent(b);
      if (frame === undefined) return;
      if (frame.masked) throw new Error('server frames must not be masked (RFC 6455 §5.1)');
      if (b.length < frame.end) {
        this.needed = frame.end;
        return;
      }
      this.frames.push({ fin: (b[0]! & 0x80) !== 0, rsv: (b[0]! >> 4) & 7, opcode: b[0]! & 0x0f, payload: Buffer.from(b.subarray(frame.payloadStart, frame.end)) });
      this.buffer = b.subarray(frame.end);
    }
  }
}
