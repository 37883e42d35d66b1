/**
 * wsframe's echo with options the `echo` CLI has no flag for: the same server and echo as
 * `wsframe echo` (text as text, binary as binary, the native transport where the addon loaded),
 * but with owned messages (the library's default; the CLI borrows them: bench/RESULTS.md,
 * "Borrowed messages"), and with `--deflate` permessage-deflate as `wsframe echo --deflate`
 * answers it, or under `--takeover` with `perMessageDeflate: { serverNoContextTakeover: false,
 * clientNoContextTakeover: false }`: the server keeps its compression context between messages
 * (a 32 KiB plaintext window per direction in wsframe's design) instead of answering
 * server_no_context_takeover (issue 5). `--attached` attaches it to a node:http server (the
 * usual Express-style set-up) instead of listening standalone; `--transport node` keeps every
 * connection on net.Socket. `--heap-pad BYTES` keeps one more plain JavaScript object of about
 * BYTES (BYTES/8 − 3 fields) per connection, for bench/idle-memory.mjs to measure what a byte of
 * per-connection JavaScript heap costs in RSS (server `wsframe-pad400`).
 *
 *   node bench/wsframe-echo-server.mjs [--host 127.0.0.1] [--port 0] [--receive-buffer-limit N]
 *                                      [--deflate] [--takeover] [--attached] [--transport native|node]
 *                                      [--heap-pad BYTES]
 *
 * Needs dist/ (npx tsc -p tsconfig.build.json). Prints `wsframe echo listening on ws://HOST:PORT`.
 */
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { WebSocketServer } = require('../dist/index.js');

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'receive-buffer-limit': { type: 'string', default: String(4 * 1024 * 1024) },
    deflate: { type: 'boolean', default: false },
    takeover: { type: 'boolean', default: false },
    attached: { type: 'boolean', default: false },
    transport: { type: 'string', default: 'native' },
    'heap-pad': { type: 'string', default: '0' },
  },
});

const perMessageDeflate = values.takeover ? { serverNoContextTakeover: false, clientNoContextTakeover: false } : values.deflate;
const http = values.attached ? createServer() : undefined;
const server = new WebSocketServer({
  ...(http !== undefined ? { server: http } : { host: values.host, port: Number(values.port) }),
  receiveBufferLimit: Number(values['receive-buffer-limit']),
  perMessageDeflate,
  transport: values.transport,
});
http?.listen(Number(values.port), values.host, () => server.emit('listening'));
// An object of 3 header words and `fields` in-object fields (8 B each; no pointer compression in Node).
const fields = Math.max(0, Math.round(Number(values['heap-pad']) / 8) - 3);
const padding = new Function(`return { ${Array.from({ length: fields }, (_, i) => `f${i}: 0`).join(', ')} };`);
const padded = [];
server.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  if (fields > 0) padded.push(padding());
});
server.once('listening', () => {
  const { address, port } = server.address();
  const deflate = perMessageDeflate ? `, perMessageDeflate${values.takeover ? ' with server context takeover' : ''}` : '';
  const mode = http !== undefined ? ', attached to a node:http server' : '';
  process.stdout.write(`wsframe echo listening on ws://${address}:${port} (owned messages${deflate}, transport ${server.transport}${mode})\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => server.close().then(() => process.exit(0)));
