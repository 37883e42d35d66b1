/**
 * The `ws` echo server the benchmarks compare wsframe with: ws 8 with bufferutil and
 * utf-8-validate (ws loads them by itself when they are installed), perMessageDeflate off
 * (--deflate: on, with ws's defaults: context takeover both ways, threshold 1024, zlib level
 * and memLevel zlib's defaults, window 15), and the same echo as `wsframe echo`: text as text,
 * binary as binary.
 *
 *   node bench/ws-echo-server.mjs [--host 127.0.0.1] [--port 0] [--max-payload BYTES] [--deflate] [--impl ws|wsframe/ws]
 *
 * Prints `ws echo listening on ws://HOST:PORT (bufferutil, utf-8-validate)` once it accepts.
 * `--impl wsframe/ws` runs this same code on wsframe's ws-compatible API (issue 11: what the
 * compatibility layer costs), printing `wsframe/ws echo listening on …`.
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'max-payload': { type: 'string', default: String(4 * 1024 * 1024) },
    deflate: { type: 'boolean', default: false },
    impl: { type: 'string', default: 'ws' },
  },
});
if (!['ws', 'wsframe/ws'].includes(values.impl)) throw new Error(`--impl: ws or wsframe/ws, not ${values.impl}`);
const { WebSocketServer } = await import(values.impl);

const require = createRequire(import.meta.url);
const addons = ['bufferutil', 'utf-8-validate'].filter((name) => {
  try {
    require(name);
    return true;
  } catch {
    return false;
  }
});

const server = new WebSocketServer({
  host: values.host,
  port: Number(values.port),
  perMessageDeflate: values.deflate, // true: ws's defaults
  maxPayload: Number(values['max-payload']), // wsframe's receiveBufferLimit default, for a like-for-like limit
  clientTracking: true,
});
// Listeners shared by every connection (`this` is the WebSocket), as `wsframe echo` has them:
// the idle-memory comparison is between the libraries, not between closures.
function ignoreError() {} // a client that resets is not the server's problem
function echoMessage(data, isBinary) {
  this.send(data, { binary: isBinary });
}
server.on('connection', (ws) => {
  ws.on('error', ignoreError);
  ws.on('message', echoMessage);
});
server.on('listening', () => {
  const { address, port } = server.address();
  const engine = values.impl === 'ws' ? addons.join(', ') || 'no native addons' : "wsframe's engine";
  process.stdout.write(`${values.impl} echo listening on ws://${address}:${port} (${engine}${values.deflate ? ', perMessageDeflate' : ''})\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(0));
