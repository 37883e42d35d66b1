/**
 * wsframe's echo with permessage-deflate options the `echo` CLI has no flag for (issue 5): the
 * same server and echo as `wsframe echo --deflate` (text as text, binary as binary), but with
 * `perMessageDeflate: { serverNoContextTakeover: false, clientNoContextTakeover: false }` under --takeover: the server keeps its
 * compression context between messages (a 32 KiB plaintext window per direction in wsframe's
 * design) instead of answering server_no_context_takeover.
 *
 *   node bench/wsframe-deflate-server.mjs [--host 127.0.0.1] [--port 0] [--takeover]
 *
 * Needs dist/ (npx tsc -p tsconfig.build.json). Prints `wsframe echo listening on ws://HOST:PORT`.
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { WebSocketServer } = require('../dist/index.js');

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    takeover: { type: 'boolean', default: false },
  },
});

const server = new WebSocketServer({
  host: values.host,
  port: Number(values.port),
  perMessageDeflate: values.takeover ? { serverNoContextTakeover: false, clientNoContextTakeover: false } : true,
});
server.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
server.once('listening', () => {
  const { address, port } = server.address();
  process.stdout.write(`wsframe echo listening on ws://${address}:${port} (perMessageDeflate${values.takeover ? ', server context takeover' : ''})\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => server.close().then(() => process.exit(0)));
