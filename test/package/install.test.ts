/**
 * What an application developer gets from `npm install wsframe`: the packed tarball installed
 * into a scratch project by npm 11, which does not run a dependency's install scripts until
 * the user approves them. wsframe must then load its native addon from the prebuilds inside
 * the package (or fall back to TypeScript), from both `require` and `import`, with types.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
const scratch = mkdtempSync(join(tmpdir(), 'wsframe-install-'));
const installed = join(scratch, 'node_modules', 'wsframe');

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// A round trip through the installed package: its server echoes, the `ws` package is the client.
const roundTrip = `
  const { WebSocketServer, kernels } = LOAD;
  const WS = require(${JSON.stringify(join(root, 'node_modules', 'ws'))});
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' }, (ws) =>
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.on('listening', () => {
    const client = new WS('ws://127.0.0.1:' + server.address().port);
    client.on('open', () => client.send('héllo'));
    client.on('message', async (data) => {
      console.log(JSON.stringify({ backend: kernels.name, echo: data.toString() }));
      client.close();
      await server.close();
    });
  });
`;

function roundTripWith(load: string, type: 'cjs' | 'esm', env: NodeJS.ProcessEnv = {}): { backend: string; echo: string } {
  const file = join(scratch, type === 'cjs' ? 'round-trip.cjs' : 'round-trip.mjs');
  const prelude = type === 'esm' ? "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\n" : '';
  writeFileSync(file, prelude + roundTrip.replace('LOAD', load));
  const out = run(process.execPath, [file], scratch, env).trim().split('\n').pop()!;
  return JSON.parse(out);
}

/**
 * A copy of the project's files to pack from: prepack's prebuildify rebuilds into build/, which
 * must not pull the addon from under the tests running beside this one.
 */
function copyOfProject(): string {
  const source = join(scratch, 'source');
  const files = run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], root).split('\0');
  for (const file of files) {
    if (file === '' || !existsSync(join(root, file))) continue;
    mkdirSync(dirname(join(source, file)), { recursive: true });
    copyFileSync(join(root, file), join(source, file));
  }
  symlinkSync(join(root, 'node_modules'), join(source, 'node_modules'));
  return source;
}

beforeAll(() => {
  // `npm pack` runs our prepack script: the TypeScript build and prebuildify's prebuilds.
  run('npm', ['pack', '--pack-destination', scratch], copyOfProject());
  const tarball = readdirSync(scratch).find((name) => name.endsWith('.tgz'))!;
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', join(scratch, tarball)], scratch);
}, 240_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the packed tarball installed as a dependency', () => {
  it('ships prebuilds, the TypeScript build, types, the bin and the native sources', () => {
    expect(readdirSync(join(installed, 'prebuilds'))).toContain(`${process.platform}-${process.arch}`);
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'wrapper.mjs', 'wrapper.d.mts', 'bin/wsframe.js', 'binding.gyp', 'native/sources.json']) {
      expect(existsSync(join(installed, file)), file).toBe(true);
    }
  });

  it('did not run its install script (npm 11 waits for approval) and so has no local build', () => {
    expect(existsSync(join(installed, 'build'))).toBe(false);
  });

  it('loads the native addon from its prebuilds through require()', () => {
    expect(roundTripWith("require('wsframe')", 'cjs')).toEqual({ backend: 'native', echo: 'héllo' });
  });

  it('loads through import (the ES module entry) and gives the same instance as require()', () => {
    const file = join(scratch, 'same-instance.mjs');
    writeFileSync(
      file,
      "import { createRequire } from 'node:module'; import * as esm from 'wsframe';\n" +
        "const cjs = createRequire(import.meta.url)('wsframe');\n" +
        'console.log(JSON.stringify({ same: esm.WebSocketServer === cjs.WebSocketServer, backend: esm.kernels.name }));\n',
    );
    expect(JSON.parse(run(process.execPath, [file], scratch))).toEqual({ same: true, backend: 'native' });
    expect(roundTripWith("await import('wsframe')", 'esm')).toEqual({ backend: 'native', echo: 'héllo' });
  });

  it('falls back to TypeScript with WSFRAME_NO_NATIVE=1, with the same results', () => {
    expect(roundTripWith("require('wsframe')", 'cjs', { WSFRAME_NO_NATIVE: '1' })).toEqual({ backend: 'typescript', echo: 'héllo' });
  });

  it('falls back to TypeScript when no prebuild fits and nothing was built', () => {
    rmSync(join(installed, 'prebuilds'), { recursive: true, force: true });
    expect(roundTripWith("require('wsframe')", 'cjs')).toEqual({ backend: 'typescript', echo: 'héllo' });
  });

  it('type-checks from both a CommonJS and an ES module consumer', () => {
    writeFileSync(join(scratch, 'consumer.cts'), "import { WebSocketServer, type WebSocket } from 'wsframe';\nconst s: WebSocketServer = new WebSocketServer({ port: 0 });\nexport const f = (ws: WebSocket): boolean => ws.send('x');\nvoid s;\n");
    writeFileSync(join(scratch, 'consumer.mts'), "import { WebSocketServer, type WebSocket } from 'wsframe';\nconst s: WebSocketServer = new WebSocketServer({ port: 0 });\nexport const f = (ws: WebSocket): boolean => ws.send('x');\nvoid s;\n");
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node', '--typeRoots', join(root, 'node_modules', '@types'), 'consumer.cts', 'consumer.mts'];
    expect(() => run(process.execPath, [tsc, ...args], scratch)).not.toThrow();
  }, 120_000); // a whole tsc run: ~10 s alone, several times that on a loaded 2-core machine
});
