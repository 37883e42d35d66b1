/**
 * The floor for idle-connection memory (bench/idle-memory.mjs): a bare `net` server that answers
 * any request with one fixed `101 Switching Protocols` (its Sec-WebSocket-Accept matches the
 * fixed key of bench/loadgen.c) and then keeps the socket open, reading and dropping whatever
 * comes. No HTTP parser, no WebSocket state: what every Node socket server pays per connection.
 *
 *   node bench/net-floor-server.mjs [--host 127.0.0.1] [--port 0]
 */
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' } } });

const response = Buffer.from(
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
);
const sockets = new Set(); // a server keeps track of its connections, as both WebSocket servers do
const kUpgraded = Symbol('upgraded');

function onData(chunk) {
  // The request arrives in one segment from loadgen; a server that does only this much is the floor.
  if (!this[kUpgraded] && chunk.includes('\r\n\r\n')) {
    this[kUpgraded] = true;
    this.write(response);
  }
}
function onClose() {
  sockets.delete(this);
}
function onError() {}

const server = createServer((socket) => {
  sockets.add(socket);
  socket[kUpgraded] = false;
  socket.setNoDelay(true);
  socket.on('data', onData);
  socket.on('error', onError);
  socket.on('close', onClose);
});
server.listen(Number(values.port), values.host, () => {
  const { address, port } = server.address();
  process.stdout.write(`net floor listening on ws://${address}:${port}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(0));
