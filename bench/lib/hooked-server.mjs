/**
 * Talking to a server process started with bench/idle-hook.cjs preloaded and an IPC channel
 * (echo.mjs's startServer(..., { ipc: true })), for bench/idle-memory.mjs and bench/deflate-memory.mjs.
 */

import { once } from 'node:events';

/** Sends `message` ({ cmd: 'measure' } or { cmd: 'snapshot', path }) and resolves with the reply. */
export function ask(server, message) {
  return new Promise((resolve, reject) => {
    server.child.once('message', (reply) => (reply.error ? reject(new Error(reply.error)) : resolve(reply)));
    server.child.send(message);
  });
}

/** SIGKILL (nothing is measured at shutdown, and thousands of close handshakes take a while); resolves once it exited. */
export async function killServer(server) {
  if (server.child.exitCode !== null) return;
  const exited = once(server.child, 'exit');
  server.child.kill('SIGKILL');
  await exited;
}
