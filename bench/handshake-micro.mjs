/**
 * The TypeScript side of opening a connection, alone: the standalone server's accept, the request
 * head, the RFC 6455 §4.2.1 checks, Sec-WebSocket-Accept and the 101, and the connection's
 * objects, over a fake transport that takes the 101 and goes nowhere (no socket, no kernel, no
 * addon). Drives the server's internal `accept()` as the native listener does.
 *
 *   node --expose-gc bench/handshake-micro.mjs [--iterations 200000]
 *
 * Prints, for loadgen's minimal head and a browser's head answered on the first read, and for
 * loadgen's answered by the native listener (the server's part only), the CPU per handshake (min and median
 * of 5 batches, warm) and the young-generation bytes allocated per handshake (measured with a
 * young generation large enough that no scavenge runs during the count: run with
 * --min-semi-space-size=64 --max-semi-space-size=64 for that figure, else it is left out).
 */
import v8 from 'node:v8';
import { parseArgs } from 'node:util';
import { WebSocketServer } from '../dist/index.js';
import { answeredByAddon } from '../dist/hosting/handshake-dialect.js';

const { values } = parseArgs({ options: { iterations: { type: 'string', default: '200000' } } });
const iterations = Number(values.iterations);

class FakeTransport {
  kind = 'native';
  listener = undefined;
  written = 0;
  setListener(listener) {
    this.listener = listener;
  }
  resume() {}
  pause() {}
  write(chunks) {
    this.written += chunks[0].length;
  }
  get bufferedAmount() {
    return 0;
  }
  get writable() {
    return true;
  }
  end() {}
  destroy() {}
  remoteAddress() {
    return '127.0.0.1';
  }
  lendReads() {}
  /** As the native transport: an idle connection parks (its events would go to `standIn`). */
  park() {
    return 1;
  }
}

const heads = {
  loadgen: 'GET / HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  browser:
    'GET /chat HTTP/1.1\r\nHost: localhost:8080\r\nConnection: Upgrade\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n' +
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n' +
    'Upgrade: websocket\r\nOrigin: http://localhost:8080\r\nSec-WebSocket-Version: 13\r\nAccept-Encoding: gzip, deflate, br\r\n' +
    'Accept-Language: en-US,en;q=0.9\r\nSec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n' +
    'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n',
};

const server = new WebSocketServer({});
server.on('connection', (ws) => ws.on('message', () => {}));
const addresses = { remoteAddress: '127.0.0.1', remotePort: 1, remoteFamily: 'IPv4', localAddress: '127.0.0.1', localPort: 9001 };

/**
 * n handshakes; each gets its own copy of the head, as the addon hands out a fresh Buffer per read.
 * The server answers on the first read (as on a net.Socket, asking the addon's plainUpgrade), or,
 * `byListener`, the native listener answered and wrote the 101 and the server opens the connection
 * (its opened event: src/server.ts, openPlain).
 */
function handshakes(n, chunks, byListener) {
  for (let i = 0; i < n; i++) {
    const transport = new FakeTransport();
    const chunk = chunks[i % chunks.length];
    if (byListener) {
      server.openPlain(transport, addresses, chunk, chunk.length, answeredByAddon);
    } else {
      server.accept(transport, addresses);
      transport.listener.onData(chunk);
      if (transport.written === 0) throw new Error('no 101 written');
    }
    if (server.clients.size >= 20000) server.clients.clear(); // keep as many alive as the benchmark holds
  }
}

const youngGeneration = () => v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_used_size;
const largeYoungGeneration = process.execArgv.some((flag) => flag.startsWith('--min-semi-space-size'));

const runs = [
  ['loadgen head', heads.loadgen, false],
  ['browser head', heads.browser, false],
  ['loadgen head, answered by the native listener', heads.loadgen, true],
];
for (const [name, text, byListener] of runs) {
  const chunks = Array.from({ length: 2000 }, () => Buffer.from(text, 'latin1'));
  handshakes(50_000, chunks, byListener);
  const perHandshake = [];
  for (let batch = 0; batch < 5; batch++) {
    const before = process.cpuUsage();
    handshakes(iterations / 5, chunks, byListener);
    const used = process.cpuUsage(before);
    perHandshake.push((used.user + used.system) / (iterations / 5));
  }
  perHandshake.sort((a, b) => a - b);
  let allocated = '';
  if (largeYoungGeneration) {
    server.clients.clear();
    globalThis.gc?.();
    const before = youngGeneration();
    handshakes(1000, chunks, byListener);
    allocated = `, ${Math.round((youngGeneration() - before) / 1000)} B allocated per handshake`;
  }
  console.log(`${name}: ${perHandshake[0].toFixed(2)} µs CPU per handshake (median ${perHandshake[2].toFixed(2)})${allocated}`);
}
