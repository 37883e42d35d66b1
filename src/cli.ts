/**
 * The `wsframe` command (DESIGN.md, "CLI contract" — used by benchmarks and conformance runs,
 * so its flags are stable). Exit codes: 0 done, 1 runtime failure, 2 bad usage.
 */
import cluster from 'node:cluster';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { RedisBackplane } from './backplane/redis-backplane.js';
import { reportListening, runChatPrimary, untilPrimaryStops } from './chat/chat-cluster.js';
import { startChatServer } from './chat/chat-server.js';
import type { ChatServerOptions } from './chat/chat-server.js';
import { connect } from './client.js';
import { AllowedOrigins } from './handshake/origin.js';
import { WebSocketError } from './protocol/errors.js';
import type { WebSocketErrorCode } from './protocol/errors.js';
import { WebSocketServer } from './server.js';
import type { WebSocketServerOptions } from './server.js';
import type { WebSocket } from './websocket.js';

const usage = `Usage:
  wsframe echo --host 127.0.0.1 --port 9001 [options]   echo text as text and binary as binary
  wsframe connect URL [options]                          a console client for ws:// and wss://
  wsframe chat --port 8080 [options]                     the broadcast chat: a page to open in a browser and its WebSocket endpoint

Options of echo:
  --host HOST                    address to listen on (default 127.0.0.1)
  --port PORT                    port to listen on (default 9001; 0 picks a free one)
  --receive-buffer-limit BYTES   largest message accepted; larger closes with 1009 (default 4194304)
  --ping-interval SECONDS        heartbeat ping interval; an unanswered ping closes the peer (default 0, off)
  --max-connections N            over it, upgrades get 503 (default 0, unlimited)
  --handshake-timeout SECONDS    time for a client to send its upgrade request (default 10)
  --idle-timeout SECONDS         close a connection that sent nothing for this long (default 0, off)
  --deflate                      accept permessage-deflate (RFC 7692) when clients offer it
  --protocols a,b                subprotocols, in order of preference
  --origins URL,URL              allowed origins, each scheme://host[:port] or null (default: any)
  --log                          write a W3C access log line per upgrade attempt to stdout
  --transport native|node        who owns the connections: the addon (default where it loaded) or net.Socket
  --tls-cert FILE --tls-key FILE serve wss:// with this PEM certificate (chain) and key
  --http2                        also take WebSockets over HTTP/2 (RFC 8441): with TLS, h2 and
                                 http/1.1 by ALPN; without, HTTP/2 by prior knowledge beside HTTP/1.1
  --help                         show this text

Options of connect:
  --protocol P                   offer subprotocol P (repeat for more, most preferred first)
  --header 'K: V'                add a request header (repeatable)
  --deflate                      offer permessage-deflate (RFC 7692)
  --proxy URL                    tunnel through this http:// or https:// proxy (CONNECT;
                                 user:password@ in it for Basic credentials). Default: from
                                 HTTP_PROXY / HTTPS_PROXY / NO_PROXY
  --http2                        open the WebSocket over HTTP/2 (RFC 8441 extended CONNECT)
  --ca FILE                      trust this PEM certificate for wss:// (e.g. a self-signed one)
  --help                         show this text

Options of chat:
  --host HOST                    address to listen on (default 127.0.0.1)
  --port PORT                    port to listen on (default 8080; 0 picks a free one)
  --redis URL                    share the room with other chat processes through Redis pub/sub
                                 (e.g. redis://127.0.0.1:6379; channel 'wsframe:chat'); delivery
                                 between processes is at-most-once: while Redis is unreachable each
                                 process serves its own members, reports the loss on stderr and
                                 reconnects with backoff
  --workers N                    run N chat processes on the one port (node:cluster); N > 1 needs
                                 --redis. Workers that exit are not restarted; SIGTERM stops all
  --tls-cert FILE --tls-key FILE serve the page over https and the endpoint as wss://
  --http2                        also serve HTTP/2 (browsers then open the WebSocket on the page's
                                 own HTTP/2 connection, RFC 8441); with TLS, h2 and http/1.1 by ALPN
  --log                          write a W3C access log line per WebSocket attempt to stdout
  --transport native|node        who owns the connections: the addon (default where it loaded) or
                                 net.Socket; TLS, --http2 and --workers N > 1 use net.Socket
  --help                         show this text

chat prints 'wsframe chat listening on http://HOST:PORT/ (transport T; …)' (https:// with TLS) once it serves:
open that address in a browser. The page is at /, the WebSocket endpoint at /chat?name=NAME (no name: close 1008).

connect prints 'connected (protocol P)' (or 'none') once open, then each message received on
its own line: text as it is, binary as '<binary N bytes> HEX' (HEX: the first 32 bytes). Each
line typed on standard input is sent as a text message. End of input or a line 'Bye' closes
with 1000. When the connection closes it prints 'closed CODE REASON' (the server's close frame;
1006 when there was none) and exits 0 after a clean close, 1 otherwise. A failed handshake
prints the error, with the HTTP status when the server answered with one, and exits 1.
`;

const echoOptions = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '9001' },
  'receive-buffer-limit': { type: 'string' },
  'ping-interval': { type: 'string' },
  'max-connections': { type: 'string' },
  'handshake-timeout': { type: 'string' },
  'idle-timeout': { type: 'string' },
  deflate: { type: 'boolean', default: false },
  protocols: { type: 'string' },
  origins: { type: 'string' },
  log: { type: 'boolean', default: false },
  transport: { type: 'string' },
  ...tlsOptions(),
  help: { type: 'boolean', default: false },
} satisfies ParseArgsConfig['options'];

/** The flags echo and chat share for wss:// and HTTP/2. */
function tlsOptions() {
  return {
    'tls-cert': { type: 'string' },
    'tls-key': { type: 'string' },
    http2: { type: 'boolean', default: false },
  } satisfies ParseArgsConfig['options'];
}

/** `--tls-cert FILE --tls-key FILE` as node:tls options (both or neither); the files are read here. */
function tlsFiles(values: { 'tls-cert'?: string | undefined; 'tls-key'?: string | undefined }): { cert: Buffer; key: Buffer } | undefined {
  const cert = values['tls-cert'];
  const key = values['tls-key'];
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) throw new UsageError('--tls-cert and --tls-key go together: a certificate and its private key (PEM files)');
  return { cert: readFile(cert, '--tls-cert'), key: readFile(key, '--tls-key') };
}

function readFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`${flag} ${path}: ${(error as Error).message}`);
  }
}

export class UsageError extends Error {}

/** node:util parseArgs in strict mode; its complaints (unknown flag, missing value) become UsageErrors. */
function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T & { strict: true }>> {
  try {
    return parseArgs({ ...config, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Turn `echo` flags into server options; throws UsageError for anything it does not accept. */
export function parseEchoArgs(args: string[]): WebSocketServerOptions & { help: boolean; deflate: boolean; log: boolean } {
  const { values } = parseFlags({ args, options: echoOptions, allowPositionals: false });
  return {
    tls: tlsFiles(values),
    http2: values.http2,
    help: values.help,
    deflate: values.deflate,
    log: values.log,
    host: values.host,
    port: integer(values.port, '--port', 0, 65535),
    receiveBufferLimit: optional(values['receive-buffer-limit'], (v) => integer(v, '--receive-buffer-limit', 1, 2 ** 31 - 1)),
    pingInterval: optional(values['ping-interval'], (v) => seconds(v, '--ping-interval')),
    maxConnections: optional(values['max-connections'], (v) => integer(v, '--max-connections', 0, 2 ** 31 - 1)),
    handshakeTimeout: optional(values['handshake-timeout'], (v) => seconds(v, '--handshake-timeout')),
    idleTimeout: optional(values['idle-timeout'], (v) => seconds(v, '--idle-timeout')),
    protocols: optional(values.protocols, list),
    origins: optional(values.origins, originList),
    transport: optional(values.transport, transportKind),
  };
}

function transportKind(value: string): 'native' | 'node' {
  if (value !== 'native' && value !== 'node') throw new UsageError(`--transport takes native or node, not '${value}'`);
  return value;
}

function optional<T>(value: string | undefined, parse: (value: string) => T): T | undefined {
  return value === undefined ? undefined : parse(value);
}

function integer(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`${flag} takes a whole number from ${min} to ${max}, not '${value}'`);
  return n;
}

/** The CLI speaks seconds (as IIS's pingInterval does); the library speaks milliseconds. */
function seconds(value: string, flag: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`${flag} takes a number of seconds, not '${value}'`);
  return Math.round(n * 1000);
}

function list(value: string): string[] {
  return value.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

/** --origins: an entry that is not an origin (RFC 6454 §6.2) is a mistake in the command line. */
function originList(value: string): string[] {
  const origins = list(value);
  try {
    new AllowedOrigins(origins);
  } catch (error) {
    throw new UsageError(`--origins: ${(error as Error).message}`);
  }
  return origins;
}

/**
 * The signals that stop a server gracefully. On Windows Node emits SIGINT for Ctrl+C and SIGBREAK
 * for Ctrl+Break, and SIGTERM never (another process can only terminate it); elsewhere SIGBREAK
 * does not exist and its listener is never called.
 */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGBREAK'] as const;

/**
 * Resolves at the first stop signal. Call it before announcing `listening`: a harness may
 * send SIGTERM as soon as it reads that line, and installing a signal handler takes long enough
 * to lose that race.
 */
function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => {
      for (const signal of STOP_SIGNALS) process.off(signal, stop);
      resolve();
    };
    for (const signal of STOP_SIGNALS) process.on(signal, stop);
  });
}

async function echo(args: string[]): Promise<number> {
  const { help, deflate, log, ...options } = parseEchoArgs(args);
  if (help) {
    process.stdout.write(usage);
    return 0;
  }
  const stopped = untilSignal();
  // Every message is sent back from its listener and kept no longer: borrowed (no fresh memory per message).
  const server = new WebSocketServer({ ...options, perMessageDeflate: deflate, accessLog: log ? process.stdout : undefined, borrowedMessages: true });
  server.on('connection', (ws) => ws.on('message', echoMessage));
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const where = typeof address === 'object' && address !== null ? `${address.address}:${address.port}` : String(address);
  process.stdout.write(`wsframe echo listening on ${options.tls !== undefined ? 'wss' : 'ws'}://${where} (transport ${server.transport})${options.http2 ? ' (and over HTTP/2)' : ''}\n`);
  await stopped;
  await server.close();
  return 0;
}

/** One listener for every connection (`this` is the WebSocket), not a closure each: ~100 B per idle connection. */
function echoMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  this.send(data, { binary: isBinary });
}

const chatOptions = {
  host: { type: 'string', default: '127.0.0.1' },
  port: { type: 'string', default: '8080' },
  redis: { type: 'string' },
  workers: { type: 'string', default: '1' },
  log: { type: 'boolean', default: false },
  transport: { type: 'string' },
  ...tlsOptions(),
  help: { type: 'boolean', default: false },
} satisfies ParseArgsConfig['options'];

/** Turn `chat` flags into startChatServer() options; throws UsageError for anything it does not accept. */
export function parseChatArgs(args: string[]): ChatServerOptions & { help: boolean; redis?: string; workers: number; log: boolean } {
  const { values } = parseFlags({ args, options: chatOptions, allowPositionals: false });
  const workers = integer(values.workers, '--workers', 1, 1024);
  if (values.redis !== undefined && !/^rediss?:\/\/[^/]/.test(values.redis)) {
    throw new UsageError(`--redis takes a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379, not '${values.redis}'`);
  }
  if (workers > 1 && values.redis === undefined && !values.help) {
    throw new UsageError(`--workers ${workers} needs --redis URL: without a backplane each process has its own room, and messages would be split between processes`);
  }
  const transport = optional(values.transport, transportKind);
  if (workers > 1 && transport === 'native') {
    // node:cluster shares the one port by handing its workers net.Sockets; the addon's listener cannot take part.
    throw new UsageError(`--workers ${workers} runs on net.Socket (node:cluster shares the port that way): leave out --transport native`);
  }
  return {
    help: values.help,
    host: values.host,
    port: integer(values.port, '--port', 0, 65535),
    redis: values.redis,
    workers,
    log: values.log,
    tls: tlsFiles(values),
    http2: values.http2,
    transport,
  };
}

async function chat(args: string[]): Promise<number> {
  const { help, redis, workers, log, ...options } = parseChatArgs(args);
  if (help) {
    process.stdout.write(usage);
    return 0;
  }
  // --workers N: this process only forks N workers, which run this same command (below).
  if (workers > 1 && cluster.isPrimary) return runChatPrimary(workers, untilSignal());
  const worker = cluster.isWorker;
  const stopped = worker ? Promise.race([untilSignal(), untilPrimaryStops()]) : untilSignal();
  const who = worker ? `wsframe chat worker ${cluster.worker!.id} (pid ${process.pid})` : 'wsframe chat';
  const backplane =
    redis === undefined
      ? undefined
      : new RedisBackplane({
          url: redis,
          onError: (error) => process.stderr.write(`${who}: redis: ${error.message}\n`),
          onStatusChange: (status) => process.stderr.write(`${who}: redis ${status}\n`),
        });
  try {
    // A worker's listen goes through node:cluster, which only shares a port with net.Sockets.
    const transport = worker ? 'node' : options.transport;
    const server = await startChatServer({ ...options, transport, backplane, accessLog: log ? process.stdout : undefined });
    // Announce once broadcasts cross processes; a Redis that is not there yet does not stop the chat.
    if (backplane !== undefined && !(await backplane.whenReady(3000))) {
      process.stderr.write(`${who}: redis not reachable yet at start; serving local members and retrying\n`);
    }
    if (worker) reportListening(server.url, server.transport);
    else process.stdout.write(`wsframe chat listening on ${server.url} (transport ${server.transport}; open it in a browser)\n`);
    await stopped;
    await server.close();
  } finally {
    await backplane?.close();
    if (worker && process.connected) process.disconnect();
  }
  return 0;
}

const connectOptions = {
  protocol: { type: 'string', multiple: true, default: [] },
  header: { type: 'string', multiple: true, default: [] },
  deflate: { type: 'boolean', default: false },
  proxy: { type: 'string' },
  http2: { type: 'boolean', default: false },
  ca: { type: 'string' },
  help: { type: 'boolean', default: false },
} satisfies ParseArgsConfig['options'];

export interface ConnectArgs {
  help: boolean;
  deflate: boolean;
  http2: boolean;
  /** --ca FILE, read. */
  ca: Buffer | undefined;
  /** --proxy; undefined: connect() takes it from the environment. */
  proxy: string | undefined;
  url: string;
  protocols: string[];
  /** Repeats of one name (in any case) become a list: one header line each. */
  headers: Record<string, string[]>;
}

/** Turn `connect` arguments into connect() options; throws UsageError for anything it does not accept. */
export function parseConnectArgs(args: string[]): ConnectArgs {
  const { values, positionals } = parseFlags({ args, options: connectOptions, allowPositionals: true });
  // Header names are case-insensitive: repeats in any case become one list under the first spelling.
  const headers: Record<string, string[]> = {};
  const spelling = new Map<string, string>();
  for (const header of values.header) {
    const colon = header.indexOf(':');
    const name = header.slice(0, colon).trim();
    if (colon < 0 || name === '') throw new UsageError(`--header takes 'Name: value', not '${header}'`);
    const key = spelling.get(name.toLowerCase()) ?? name;
    spelling.set(name.toLowerCase(), key);
    (headers[key] ??= []).push(header.slice(colon + 1).trim());
  }
  if (!values.help && positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'connect needs a URL (ws://host:port/path or wss://…)' : `connect takes one URL, not '${positionals.join(' ')}'`);
  }
  const ca = values.ca === undefined ? undefined : readFile(values.ca, '--ca');
  return { help: values.help, deflate: values.deflate, http2: values.http2, ca, proxy: values.proxy, url: positionals[0] ?? '', protocols: values.protocol, headers };
}

/** connect() refusals that are mistakes in the command line, not failures of the server. */
const usageErrorCodes = new Set<WebSocketErrorCode>(['WS_ERR_INVALID_URL', 'WS_ERR_INVALID_HEADER', 'WS_ERR_INVALID_SUBPROTOCOL']);

/** How the console client shows a binary message: its size and the first 32 bytes in hex. */
export function describeBinary(data: Uint8Array): string {
  const preview = Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, 32)).toString('hex');
  return `<binary ${data.byteLength} bytes>${preview === '' ? '' : ` ${preview}`}`;
}

async function connectCommand(args: string[]): Promise<number> {
  const { help, deflate, http2, ca, proxy, url, protocols, headers } = parseConnectArgs(args);
  if (help) {
    process.stdout.write(usage);
    return 0;
  }
  let ws;
  try {
    ws = await connect(url, { protocols, headers, perMessageDeflate: deflate, http2, ca, proxy });
  } catch (error) {
    if (error instanceof WebSocketError && usageErrorCodes.has(error.code)) throw new UsageError(error.message);
    // e.g. "connect failed (WS_ERR_HANDSHAKE_BAD_STATUS, HTTP 503): Unexpected server response: 503"
    const details = error instanceof WebSocketError ? [error.code, ...(error.statusCode === undefined ? [] : [`HTTP ${error.statusCode}`])] : [];
    throw new Error(`connect failed${details.length > 0 ? ` (${details.join(', ')})` : ''}: ${(error as Error).message}`);
  }
  const client = ws;
  process.stdout.write(`connected (protocol ${client.protocol === '' ? 'none' : client.protocol})\n`);

  let failed = false;
  client.on('message', (data: Buffer, isBinary: boolean) => {
    process.stdout.write(`${isBinary ? describeBinary(data) : data.toString('utf8')}\n`);
  });
  client.on('error', (error: Error) => {
    failed = true;
    process.stderr.write(`wsframe: ${error.message}\n`);
  });

  // Lines are read only once the connection is open; what was typed before waits in the pipe.
  const input = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  input.on('line', (line) => {
    if (client.state !== 'OPEN') return;
    if (line === 'Bye') input.close();
    else client.send(line);
  });
  // End of input, or `Bye`: the close handshake, after every line sent before it.
  input.on('close', () => {
    if (client.state === 'OPEN') void client.close(1000);
  });

  return new Promise((resolve) => {
    client.once('close', (code: number, reason: string, wasClean: boolean) => {
      process.stdout.write(`closed ${code}${reason === '' ? '' : ` ${reason}`}\n`);
      input.close();
      process.stdin.destroy(); // else a terminal's stdin keeps the process alive
      resolve(wasClean && !failed ? 0 : 1);
    });
  });
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'echo':
        process.exitCode = await echo(args);
        return;
      case 'connect':
        process.exitCode = await connectCommand(args);
        return;
      case 'chat':
        process.exitCode = await chat(args);
        return;
      case undefined:
      case '--help':
      case 'help':
        process.stdout.write(usage);
        return;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`wsframe: ${error.message}\n\n${usage}`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`wsframe: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
