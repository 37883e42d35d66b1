/**
 * wsframe's echo with owned messages: the same server and echo as `wsframe echo` (text as text,
 * binary as binary, the native transport where the addon loaded) without `borrowedMessages`,
 * which the CLI turns on. Every message is then fresh memory the application may keep: what a
 * server that holds on to messages pays (bench/RESULTS.md, "Borrowed messages").
 *
 *   node bench/wsframe-owned-echo-server.mjs [--host 127.0.0.1] [--port 0] [--receive-buffer-limit N]
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
    'receive-buffer-limit': { type: 'string', default: String(4 * 1024 * 1024) },
  },
});

const server = new WebSocketServer({ host: values.host, port: Number(values.port), receiveBufferLimit: Number(values['receive-buffer-limit']) });
server.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
server.once('listening', () => {
  const { address, port } = server.address();
  process.stdout.write(`wsframe echo listening on ws://${address}:${port} (owned messages, transport ${server.transport})\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => server.close().then(() => process.exit(0)));
