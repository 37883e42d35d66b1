/**
 * The broadcast server of bench/broadcast.mjs (issue 6): connections to /sub are members, one
 * connection to /control is the trigger. A text message "go SIZE" on the control connection
 * broadcasts SIZE binary bytes (made once per size, random, before any timing) to every member,
 * then answers "done MEMBERS NS" on the control connection, NS being the time from the "go"
 * message event to a setImmediate after the broadcast (by then every member's write has been
 * handed to the socket: ws writes inside send(), wsframe in the process.nextTick flush it
 * schedules).
 *
 *   node bench/broadcast-server.mjs --impl wsframe|ws [--host 127.0.0.1] [--port 0]
 *
 *   wsframe: a WebSocketCollection; the broadcast is `members.broadcast(payload)`.
 *   ws:      ws 8 (bufferutil, utf-8-validate when installed), perMessageDeflate off,
 *            clientTracking on; the broadcast is ws's usual loop over wss.clients:
 *              for (const client of wss.clients)
 *                if (client !== control && client.readyState === WebSocket.OPEN) client.send(payload);
 *
 * Prints `<impl> broadcast listening on ws://HOST:PORT` once it accepts connections.
 * Needs dist/ (npx tsc -p tsconfig.build.json) for wsframe.
 */
import { randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    impl: { type: 'string', default: 'wsframe' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
  },
});
const require = createRequire(import.meta.url);

const payloads = new Map();
function payloadOf(size) {
  let payload = payloads.get(size);
  if (payload === undefined) {
    payload = randomFillSync(Buffer.allocUnsafe(size));
    payloads.set(size, payload);
  }
  return payload;
}

/** The control protocol, the same for both servers: returns the answer text, after the broadcast's writes. */
function onControl(text, broadcast, memberCount, reply) {
  const match = /^go (\d+)$/.exec(text);
  if (match === null) return;
  const payload = payloadOf(Number(match[1]));
  const t0 = process.hrtime.bigint();
  broadcast(payload);
  setImmediate(() => reply(`done ${memberCount()} ${process.hrtime.bigint() - t0}`));
}

let server;
if (values.impl === 'wsframe') {
  const { WebSocketServer, WebSocketCollection } = require('../dist/index.js');
  server = new WebSocketServer({ host: values.host, port: Number(values.port) });
  const members = new WebSocketCollection();
  server.on('connection', (ws, request) => {
    ws.on('error', () => {});
    if (request.url === '/control') {
      ws.on('message', (data) => onControl(String(data), (payload) => members.broadcast(payload), () => members.size, (answer) => ws.send(answer)));
    } else {
      members.add(ws);
    }
  });
} else if (values.impl === 'ws') {
  const { WebSocketServer, WebSocket } = require('ws');
  server = new WebSocketServer({ host: values.host, port: Number(values.port), perMessageDeflate: false, clientTracking: true });
  let control;
  server.on('connection', (ws, request) => {
    ws.on('error', () => {});
    if (request.url === '/control') {
      control = ws;
      ws.on('message', (data) =>
        onControl(
          String(data),
          (payload) => {
            for (const client of server.clients) if (client !== control && client.readyState === WebSocket.OPEN) client.send(payload);
          },
          () => server.clients.size - 1,
          (answer) => ws.send(answer),
        ),
      );
    }
  });
} else {
  console.error(`unknown --impl ${values.impl} (wsframe or ws)`);
  process.exit(2);
}

server.once('listening', () => {
  const { address, port } = server.address();
  process.stdout.write(`${values.impl} broadcast listening on ws://${address}:${port}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(0));
