/**
 * The smoke test a platform's Node runs on the installed package (test/package/platforms.test.ts
 * runs it from a scratch project, on x64 and on arm64 under qemu-user): a wsframe server and a
 * wsframe client on loopback exchange text and binary messages, large enough to go through the
 * native kernels (unmask, UTF-8 validation), and close cleanly with 1000, on each transport the
 * package has on this platform. It prints one JSON line: what ran, and what each side saw.
 * Only `wsframe` is required: nothing of the project around it.
 */
'use strict';
const wsframe = require('wsframe');
const { WebSocketServer, connect, kernels } = wsframe;

// Every transport the package has on this platform (the native one where its prebuild loaded).
const { transports } = wsframe;

const text = 'héllo wörld, κόσμε ✓ '.repeat(300); // multi-byte UTF-8 across many vector blocks
const binary = Buffer.alloc(70_000, 0).map((_, i) => (i * 7 + 3) & 0xff); // 64-bit length, masked in SIMD

async function exchange(transport) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', transport });
  const serverClosed = new Promise((resolve) => {
    server.on('connection', (ws) => {
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
      ws.on('close', (code, reason, wasClean) => resolve({ code, reason: String(reason), wasClean }));
    });
  });
  await new Promise((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const client = await connect(`ws://127.0.0.1:${server.address().port}/smoke`);
  client.send(text);
  client.send(binary);
  const first = await client.receive();
  const second = await client.receive();
  await client.close(1000, 'smoke done');
  const result = {
    transport: server.transport,
    text: first.type === 'text' && first.data === text,
    binary: second.type === 'binary' && Buffer.compare(second.data, binary) === 0,
    client: { state: client.state, closeStatus: client.getCloseStatus() },
    server: await serverClosed,
  };
  await server.close();
  return result;
}

(async () => {
  const results = [];
  for (const transport of transports) results.push(await exchange(transport));
  console.log(JSON.stringify({ arch: process.arch, node: process.version, kernels: { name: kernels.name, isa: kernels.isa }, results }));
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
