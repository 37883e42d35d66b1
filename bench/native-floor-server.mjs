/**
 * The native transport's floor for opening connections (bench/idle-memory.mjs, "server CPU to
 * open"): wsframe's addon accepts and reads as the standalone server does (native/transport/),
 * and JavaScript answers every request head with one fixed `101 Switching Protocols` (its
 * Sec-WebSocket-Accept matches the fixed key of bench/loadgen.c). No head parsing, no
 * Sec-WebSocket-Accept, no WebSocket, Connection or Protocol: the accept, the read, the write and
 * the two crossings into JavaScript per connection (the accept, the head) that every handshake on
 * this transport pays before wsframe's TypeScript does anything. With `--plain`, the listener
 * answers the request itself (answerPlainUpgrades: native/plain_upgrade.cc's checks and
 * Sec-WebSocket-Accept, the 101 written in the addon) and JavaScript hears of the connection once,
 * opened, as the standalone server's common handshake does: still no WebSocket.
 *
 *   node bench/native-floor-server.mjs [--host 127.0.0.1] [--port 0] [--plain]
 */
import { parseArgs } from 'node:util';
import { NativeListener } from '../dist/transport/native-transport.js';

const { values } = parseArgs({
  options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' }, plain: { type: 'boolean', default: false } },
});

const response = Buffer.from(
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
);
const transports = new Set(); // a server keeps track of its connections, as the WebSocket servers do

/** One listener object per connection, as a connection is its transport's listener in wsframe. */
class FixedAnswer {
  constructor(transport) {
    this.transport = transport;
    this.answered = false;
  }
  onData(chunk) {
    // The request arrives in one segment from loadgen; a server that does only this much is the floor.
    if (this.answered) return;
    this.answered = true;
    if (values.plain) throw new Error('the addon declined the request');
    this.transport.write([response]);
  }
  onEnd() {}
  onError() {}
  onClose() {
    transports.delete(this.transport);
  }
  onDrain() {}
}

const listener = new NativeListener(
  (transport) => {
    transports.add(transport);
    transport.setListener(new FixedAnswer(transport));
    transport.resume();
  },
  (transport) => {
    transports.add(transport);
    const answered = new FixedAnswer(transport);
    answered.answered = true;
    transport.setListener(answered);
  },
);
await listener.listen(Number(values.port), values.host);
if (values.plain) {
  listener.answerPlainUpgrades({ path: undefined, maxHeaderSize: 16 * 1024, ignoreExtensionOffers: true, announceAfter: 2500, budget: -1, deferAccept: true });
}
const { address, port } = listener.address();
process.stdout.write(`native floor listening on ws://${address}:${port}\n`);
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(0));
