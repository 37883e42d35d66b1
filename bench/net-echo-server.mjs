/**
 * The bare `net` echo (issue 9): what Node's socket layer allows at all. A `net` server that
 * answers the load generator's fixed request with a fixed 101 (as bench/net-floor-server.mjs),
 * then echoes each frame unmasked (bufferutil), with no validation, no limits, no close
 * handshake: the ceiling for any WebSocket server built on net.Socket.
 *
 *   node bench/net-echo-server.mjs [--host 127.0.0.1] [--port 0]
 */
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import bufferutil from 'bufferutil';

const { values } = parseArgs({ options: { host: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' } } });

const response = Buffer.from(
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
);

/** Echoes every complete frame of `data`; returns the bytes of an incomplete last one. */
function echoFrames(socket, data) {
  let offset = 0;
  const out = [];
  while (data.length - offset >= 2) {
    const b1 = data[offset + 1] & 0x7f;
    let header = 2;
    let length = b1;
    if (b1 === 126) {
      if (data.length - offset < 4) break;
      length = data.readUInt16BE(offset + 2);
      header = 4;
    } else if (b1 === 127) {
      if (data.length - offset < 10) break;
      length = Number(data.readBigUInt64BE(offset + 2));
      header = 10;
    }
    if (data.length - offset < header + 4 + length) break;
    const mask = data.subarray(offset + header, offset + header + 4);
    const payload = data.subarray(offset + header + 4, offset + header + 4 + length);
    bufferutil.unmask(payload, mask);
    const head = Buffer.allocUnsafe(header);
    head[0] = data[offset];
    head[1] = b1;
    if (header === 4) head.writeUInt16BE(length, 2);
    else if (header === 10) head.writeBigUInt64BE(BigInt(length), 2);
    out.push(head, payload);
    offset += header + 4 + length;
  }
  if (out.length > 0) {
    socket.cork();
    for (const chunk of out) socket.write(chunk);
    socket.uncork();
  }
  return offset === data.length ? undefined : data.subarray(offset);
}

function onData(chunk) {
  if (!this.upgraded) {
    const end = chunk.indexOf('\r\n\r\n');
    if (end < 0) return;
    this.upgraded = true;
    this.write(response);
    chunk = chunk.subarray(end + 4);
  }
  const data = this.rest === undefined ? chunk : Buffer.concat([this.rest, chunk]);
  this.rest = data.length === 0 ? undefined : echoFrames(this, data);
}
function onError() {}

createServer((socket) => {
  socket.upgraded = false;
  socket.rest = undefined;
  socket.setNoDelay(true);
  socket.on('data', onData);
  socket.on('error', onError);
}).listen(Number(values.port), values.host, function () {
  const { address, port } = this.address();
  process.stdout.write(`net echo listening on ws://${address}:${port}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(0));
