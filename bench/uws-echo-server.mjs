/**
 * uWebSockets.js as a benchmark peer (issue 9): the same echo as `wsframe echo` (text as text,
 * binary as binary), compression off, limits large enough for 1 MiB messages. A bench-only
 * peer, installed by bench/setup-uws.sh into bench/.work/ (never a dependency); its binaries
 * need glibc >= 2.38, so bench/lib/uws.mjs starts this file through Debian 13's loader.
 *
 *   bench/.work/glibc/usr/lib64/ld-linux-x86-64.so.2 --library-path … node bench/uws-echo-server.mjs [--host 127.0.0.1] [--port 0]
 *
 * Prints `uWebSockets.js echo listening on ws://HOST:PORT` once it accepts.
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' } } });
const require = createRequire(new URL('./.work/uws/package.json', import.meta.url));
const uWS = require('@btc-vision/uwebsockets.js');

uWS
  .App()
  .ws('/*', {
    compression: uWS.DISABLED,
    maxPayloadLength: 4 * 1024 * 1024, // wsframe's receiveBufferLimit default
    maxBackpressure: 256 * 1024 * 1024, // never drop an echo (the load generator keeps few in flight)
    idleTimeout: 0,
    message: (ws, message, isBinary) => {
      ws.send(message, isBinary);
    },
  })
  .listen(values.host, Number(values.port), (token) => {
    if (!token) {
      process.stderr.write('uWebSockets.js could not listen\n');
      process.exit(1);
    }
    process.stdout.write(`uWebSockets.js echo listening on ws://${values.host}:${uWS.us_socket_local_port(token)}\n`);
  });
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(0));
