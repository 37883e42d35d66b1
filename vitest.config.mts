import { defineConfig } from 'vitest/config';

/**
 * Test files that run a standalone wsframe server (in process or through the CLI): they run a
 * second time with the `node` transport (WSFRAME_TRANSPORT=node), so the whole server-side suite
 * holds on both transports (the first run uses the default, native where the addon loaded).
 */
const serverSide = [
  'test/server/**/*.test.ts',
  'test/leaks/**/*.test.ts',
  'test/cli/**/*.test.ts',
  'test/chat/**/*.test.ts',
  'test/conformance/**/*.test.ts',
  'test/handler/**/*.test.ts',
  'test/client/**/*.test.ts',
  'test/api/**/*.test.ts',
  'test/diagnostics/**/*.test.ts',
  'test/ws/**/*.test.ts',
  'test/web/websocket.test.ts',
  'test/web/websocket-stream.test.ts',
  'test/browser/**/*.test.ts',
  'test/scale-out/**/*.test.ts',
  'test/backplane/**/*.test.ts',
  'test/extensions/deflate-interop.test.ts',
  'test/handshake/interop.test.ts',
  'test/interop/python-client.test.ts',
  'test/interop/python-deflate.test.ts',
  'test/interop/ws-client.test.ts',
];

/**
 * Test files about a connection and what opens it (the handshake's answers, frames, the close
 * handshake, backpressure, timeouts, the APIs, conformance): they run again over TLS and over HTTP/2
 * (WSFRAME_TEST_CARRIER, test/helpers/carrier.ts), each WebSocket on a TLSSocket or on an RFC 8441
 * stream, so those carriers are held to the same suite as plain TCP.
 */
const connectionSuites = [
  'test/server/connection.test.ts',
  'test/server/handshake.test.ts',
  'test/server/api.test.ts',
  'test/server/reply-before-close.test.ts',
  'test/server/receive-queue.test.ts',
  'test/handler/**/*.test.ts',
  'test/client/client.test.ts',
  'test/leaks/**/*.test.ts',
  'test/conformance/**/*.test.ts',
  'test/cli/hostile-echo.test.ts',
];

/**
 * Where neither a prebuild nor a local build of the addon loads, wsframe runs on TypeScript alone
 * (src/native.ts) with the same results: the connection suites and the echo CLI run once more
 * that way (WSFRAME_NO_NATIVE=1: TypeScript kernels, and every standalone server on net.Socket).
 */
const fallbackSuites = [...connectionSuites, 'test/cli/echo-cli.test.ts'];

/**
 * Parking (an idle WebSocket on the native transport lets its connection's objects go until its
 * next event; src/server.ts parkIdle): the connection suites, the echo CLI and the APIs over the
 * message API (ws, wsframe/web) run once more with servers that park every 10 ms
 * (WSFRAME_PARK_EVERY_MS), so every path holds wherever parking strikes.
 */
const parkingSuites = [...connectionSuites, 'test/cli/echo-cli.test.ts', 'test/ws/**/*.test.ts', 'test/web/websocket.test.ts', 'test/web/websocket-stream.test.ts', 'test/transport/parking.test.ts'];

export default defineConfig({
  test: {
    // Socket tests bind 127.0.0.1 ports; two workers match the two cores of the CI machine.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'native', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'node', include: serverSide, env: { WSFRAME_TRANSPORT: 'node' } } },
      { extends: true, test: { name: 'tls', include: connectionSuites, env: { WSFRAME_TEST_CARRIER: 'tls' } } },
      { extends: true, test: { name: 'http2', include: connectionSuites, env: { WSFRAME_TEST_CARRIER: 'http2' } } },
      { extends: true, test: { name: 'fallback', include: fallbackSuites, env: { WSFRAME_NO_NATIVE: '1' } } },
      { extends: true, test: { name: 'parking', include: parkingSuites, env: { WSFRAME_PARK_EVERY_MS: '10' } } },
    ],
  },
});
