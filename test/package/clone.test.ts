/**
 * What someone who clones the repository gets from `npm install` alone, with no README script:
 * the install lifecycle builds the addon (install: node-gyp-build) and the TypeScript (prepare),
 * so `npx wsframe echo`, the CLI the conformance and load runs start, works at once. Before the
 * prepare script, dist/ was missing and the CLI could not start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WS from 'ws';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { copyOfProject, run } from '../helpers/packed-package.js';

let scratch = '';
let clone = '';
let server: ChildProcess | undefined;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'wsframe-clone-'));
  clone = copyOfProject(scratch);
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], clone);
}, 300_000);

afterAll(() => {
  server?.kill();
  rmSync(scratch, { recursive: true, force: true });
});

it('`npm install` in a clone is enough for `npx wsframe echo` to serve, on the native transport', async () => {
  server = spawn('npx', ['--no-install', 'wsframe', 'echo', '--host', '127.0.0.1', '--port', '0'], { cwd: clone, stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
  let output = '';
  const listening = await new Promise<string>((resolve, reject) => {
    server!.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      if (output.includes('listening')) resolve(output);
    });
    server!.stderr!.on('data', (chunk: Buffer) => (output += chunk));
    server!.on('exit', (code) => reject(new Error(`wsframe echo exited with ${code}:\n${output}`)));
  });
  expect(listening).toMatch(/listening on ws:\/\/127\.0\.0\.1:\d+ \(transport native\)/);
  const port = Number(/127\.0\.0\.1:(\d+)/.exec(listening)![1]);
  const client = new WS(`ws://127.0.0.1:${port}`);
  const echoed = await new Promise<string>((resolve, reject) => {
    client.on('open', () => client.send('from a clone'));
    client.on('message', (data) => resolve(String(data)));
    client.on('error', reject);
  });
  client.close();
  expect(echoed).toBe('from a clone');
}, 60_000);
