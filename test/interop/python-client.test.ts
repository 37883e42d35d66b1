/**
 * Interop: Python's `websockets` (asyncio client) against the `wsframe echo` CLI as a child
 * process. Covers: text and binary echo from 0 B to 16 MiB across the §5.2 length encodings,
 * a message sent as fragments (§5.4), ping/pong (§5.5.2-3), the close handshake with codes and
 * reasons (§7.1.2, §7.4), and server-initiated closes (1009 over --receive-buffer-limit,
 * 1001 on --idle-timeout).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EchoCli } from '../helpers/cli-process.js';
import { cyclicPayload, LENGTH_BOUNDARY_SIZES, MiB, textPayload } from '../helpers/payloads.js';
import { pythonWebsocketsVersion, runPythonPlan, type PythonStep } from '../helpers/python-peer.js';

const version = pythonWebsocketsVersion();
if (version === undefined) console.warn('python-client: /usr/bin/python3 has no websockets; run scripts/install-test-deps.sh');

function digest(data: Buffer | string): { length: number; sha256: string } {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return { length: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

// In CI a missing peer is a failure, not a skip: npm test installs it (scripts/install-test-deps.sh).
describe.skipIf(version === undefined && !process.env.CI)(`python websockets ${version ?? ''}`, () => {
  it('echoes text and binary at every length boundary, 0 B to 16 MiB, byte for byte', async () => {
    const cli = await EchoCli.start(['--receive-buffer-limit', String(17 * MiB)]);
    const steps: PythonStep[] = LENGTH_BOUNDARY_SIZES.flatMap((size) => [
      { op: 'echo', type: 'text', size } as const,
      { op: 'echo', type: 'binary', size } as const,
    ]);
    const results = await runPythonPlan(cli.port, [steps]);
    expect(results).toEqual(
      LENGTH_BOUNDARY_SIZES.flatMap((size) => [
        { type: 'text', ...digest(textPayload(size)) },
        { type: 'binary', ...digest(cyclicPayload(size)) },
      ]),
    );
  });

  it('reassembles messages python sends as fragments, pings between messages', async () => {
    const cli = await EchoCli.start();
    const parts = ['frag', 'mén', '', 'ted 😀'];
    const results = await runPythonPlan(cli.port, [[
      { op: 'fragments', type: 'text', parts },
      { op: 'ping', data: 'are you there' },
      { op: 'fragments', type: 'binary', parts },
    ]]);
    expect(results[0]).toEqual({ type: 'text', ...digest(parts.join('')) });
    expect(results[1]!.pong).toBe(true);
    expect(results[2]).toEqual({ type: 'binary', ...digest(parts.join('')) });
  });

  it('closes with 1000, 3000 and 4999 and a reason: the server answers with the same code (§7.4)', async () => {
    const cli = await EchoCli.start();
    const codes = [1000, 3000, 4999];
    const results = await runPythonPlan(cli.port, codes.map((code) => [{ op: 'close', code, reason: `bye ${code} é` }]));
    expect(results.map((r) => r.code)).toEqual(codes);
  });

  it('a message over --receive-buffer-limit is closed by the server with 1009 (§7.4.1)', async () => {
    const cli = await EchoCli.start(['--receive-buffer-limit', '1000']);
    const results = await runPythonPlan(cli.port, [
      [{ op: 'echo', type: 'binary', size: 1000 }, { op: 'send_and_await_close', type: 'binary', size: 2000 }],
      [{ op: 'send_and_await_close', type: 'text', size: 1001 }],
    ]);
    expect(results[0]).toEqual({ type: 'binary', ...digest(cyclicPayload(1000)) });
    expect(results.slice(1).map((r) => r.code)).toEqual([1009, 1009]);
  });

  it('--idle-timeout closes a silent client with 1001 (going away)', async () => {
    const cli = await EchoCli.start(['--idle-timeout', '0.3']);
    const [result] = await runPythonPlan(cli.port, [[{ op: 'await_close' }]]);
    expect(result!.code).toBe(1001);
  });
});
