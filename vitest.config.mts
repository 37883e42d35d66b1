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
    ],
  },
});
