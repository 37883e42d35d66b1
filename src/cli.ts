/**
 * The `wsframe` command (DESIGN.md, "CLI contract" — used by benchmarks and conformance runs,
 * so its flags are stable). Exit codes: 0 done, 1 runtime failure, 2 bad usage.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { WebSocketServer } from './server.js';
import type { WebSocketServerOptions } from './server.js';

const usage = `Usage:
  wsframe echo --host 127.0.0.1 --port 9001 [options]   echo text as text and binary as binary

Options of echo:
  --host HOST                    address to listen on (default 127.0.0.1)
  --port PORT                    port to listen on (default 9001; 0 picks a free one)
  --receive-buffer-limit BYTES   largest message accepted; larger closes with 1009 (default 4194304)
  --ping-interval SECONDS        heartbeat ping interval; an unanswered ping closes the peer (default 0, off)
  --max-connections N            over it, upgrades get 503 (default 0, unlimited)
  --handshake-timeout SECONDS    time for a client to send its upgrade request (default 10)
  --idle-timeout SECONDS         close a connection that sent nothing for this long (default 0, off)
  --deflate                      offer permessage-deflate (not implemented yet: accepted and ignored)
  --protocols a,b                subprotocols, in order of preference
  --origins URL,URL              allowed Origin values (default: any)
  --log                          write a W3C access log line per upgrade attempt to stdout
  --help                         show this text
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
  help: { type: 'boolean', default: false },
} satisfies ParseArgsConfig['options'];

export class UsageError extends Error {}

/** Turn `echo` flags into server options; throws UsageError for anything it does not accept. */
export function parseEchoArgs(args: string[]): WebSocketServerOptions & { help: boolean; deflate: boolean; log: boolean } {
  let values;
  try {
    ({ values } = parseArgs({ args, options: echoOptions, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
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
    origins: optional(values.origins, list),
  };
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

async function echo(args: string[]): Promise<number> {
  const { help, deflate, log, ...options } = parseEchoArgs(args);
  if (help) {
    process.stdout.write(usage);
    return 0;
  }
  if (deflate) process.stderr.write('wsframe: --deflate: permessage-deflate is not implemented yet; serving without it\n');
  // Handle the signals before announcing `listening`: a harness may send SIGTERM as soon as it
  // reads that line, and installing a signal handler takes long enough to lose that race.
  const stopped = new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  const server = new WebSocketServer({ ...options, accessLog: log ? process.stdout : undefined });
  server.on('connection', (ws) => {
    ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address();
  const where = typeof address === 'object' && address !== null ? `${address.address}:${address.port}` : String(address);
  process.stdout.write(`wsframe echo listening on ws://${where}\n`);
  await stopped;
  await server.close();
  return 0;
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'echo':
        process.exitCode = await echo(args);
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
