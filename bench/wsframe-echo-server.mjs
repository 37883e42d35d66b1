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
 * connection on net.Socket.
 *
 *   node bench/wsframe-echo-server.mjs [--host 127.0.0.1] [--port 0] [--receive-buffer-limit N]
 *                                      [--deflate] [--takeover] [--attached] [--transport native|node]
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
server.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
server.once('listening', () => {
  const { address, port } = server.address();
  const deflate = perMessageDeflate ? `, perMessageDeflate${values.takeover ? ' with server context takeover' : ''}` : '';
  const mode = http !== undefined ? ', attached to a node:http server' : '';
  process.stdout.write(`wsframe echo listening on ws://${address}:${port} (owned messages${deflate}, transport ${server.transport}${mode})\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => server.close().then(() => process.exit(0)));
