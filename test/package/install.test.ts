/**
 * What an application developer gets from `npm install wsframe`: the packed tarball installed
 * into a scratch project by npm 11, which does not run a dependency's install scripts until
 * the user approves them. wsframe must then load its native addon from the prebuilds inside
 * the package (or fall back to TypeScript), from both `require` and `import`, with types.
 */
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packAndInstall, projectRoot as root, run } from '../helpers/packed-package.js';

let scratch = '';
let installed = '';

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

/** `expression`'s value (as JSON) in an ES module where `esm` is `import * as esm from specifier` and `cjs` is `require(specifier)`. */
function importedAndRequired(specifier: string, expression: string): unknown {
  const file = join(scratch, `${specifier.replace(/\W/g, '-')}-both-ways.mjs`);
  writeFileSync(
    file,
    `import { createRequire } from 'node:module'; import * as esm from '${specifier}';\n` +
      `const cjs = createRequire(import.meta.url)('${specifier}');\n` +
      `console.log(JSON.stringify(${expression}));\n`,
  );
  return JSON.parse(run(process.execPath, [file], scratch));
}

/** Type-check `source` as the installed package's user sees it, once as CommonJS (.cts) and once as an ES module (.mts). */
function typeCheckConsumer(name: string, source: string): void {
  writeFileSync(join(scratch, `${name}.cts`), source);
  writeFileSync(join(scratch, `${name}.mts`), source);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const args = ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node', '--typeRoots', join(root, 'node_modules', '@types'), `${name}.cts`, `${name}.mts`];
  run(process.execPath, [tsc, ...args], scratch);
}

beforeAll(() => {
  // npm 11 does not run a dependency's install scripts until the user approves them.
  ({ scratch, installed } = packAndInstall('install'));
}, 480_000); // the pack builds TypeScript and two addons: over 3 minutes on a busy 2-core machine

afterAll(() => {
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
});

describe('the packed tarball installed as a dependency', () => {
  it('ships prebuilds, the TypeScript build, types, the bin and the native sources', () => {
    expect(readdirSync(join(installed, 'prebuilds'))).toContain(`${process.platform}-${process.arch}`);
    for (const file of ['dist/index.js', 'dist/index.d.ts', 'wrapper.mjs', 'wrapper.d.mts', 'ws.mjs', 'ws.cjs', 'ws.d.mts', 'ws.d.cts', 'web.mjs', 'web.d.mts', 'dist/web/index.d.ts', 'bin/wsframe.js', 'binding.gyp', 'native/sources.json']) {
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
    expect(importedAndRequired('wsframe', '{ same: esm.WebSocketServer === cjs.WebSocketServer, backend: esm.kernels.name }')).toEqual({
      same: true,
      backend: 'native',
    });
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
    expect(() =>
      typeCheckConsumer(
        'consumer',
        "import { WebSocketServer, type WebSocket } from 'wsframe';\nconst s: WebSocketServer = new WebSocketServer({ port: 0 });\nexport const f = (ws: WebSocket): boolean => ws.send('x');\nvoid s;\n",
      ),
    ).not.toThrow();
  }, 120_000); // tsc, twice

  it('wsframe/web: one instance through import and require, and types for both', () => {
    expect(
      importedAndRequired('wsframe/web', '{ same: esm.WebSocket === cjs.WebSocket && esm.WebSocketStream === cjs.WebSocketStream, open: esm.WebSocket.OPEN }'),
    ).toEqual({ same: true, open: 1 });
    expect(() =>
      typeCheckConsumer(
        'web-consumer',
        "import { WebSocket, WebSocketStream } from 'wsframe/web';\nconst ws: WebSocket = new WebSocket('ws://127.0.0.1:9/');\nws.onclose = (event) => void event.code;\nws.onmessage = (event) => void event.origin;\nexport const s = new WebSocketStream(ws.url).opened;\n",
      ),
    ).not.toThrow();
  }, 120_000); // tsc, twice

  it("wsframe/ws: import and require give ws's module shape, one instance, and types", () => {
    const file = join(scratch, 'ws-entry.mjs');
    writeFileSync(
      file,
      "import WebSocket, { WebSocketServer, createWebSocketStream } from 'wsframe/ws';\n" +
        "import { createRequire } from 'node:module';\n" +
        "const Required = createRequire(import.meta.url)('wsframe/ws');\n" +
        "const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });\n" +
        "wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));\n" +
        "wss.on('listening', () => {\n" +
        "  const client = new Required('ws://127.0.0.1:' + wss.address().port);\n" +
        "  client.on('open', () => client.send('héllo'));\n" +
        "  client.on('message', (data) => {\n" +
        "    const same = Required === WebSocket && Required.WebSocketServer === WebSocketServer && Required.createWebSocketStream === createWebSocketStream;\n" +
        "    console.log(JSON.stringify({ same, open: client.readyState === WebSocket.OPEN, echo: String(data) }));\n" +
        "    client.close();\n" +
        "    wss.close();\n" +
        "  });\n" +
        "});\n",
    );
    expect(JSON.parse(run(process.execPath, [file], scratch))).toEqual({ same: true, open: true, echo: 'héllo' });

    writeFileSync(join(scratch, 'consumer-ws.cts'), "import WebSocket = require('wsframe/ws');\nconst s = new WebSocket.WebSocketServer({ noServer: true });\nexport const f = (ws: WebSocket): boolean => ws.readyState === WebSocket.OPEN;\nvoid s;\n");
    writeFileSync(
      join(scratch, 'consumer-ws.mts'),
      "import WebSocket, { WebSocketServer, createWebSocketStream } from 'wsframe/ws';\n" +
        "new WebSocketServer({ port: 0 }).on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));\n" +
        "export const f = (ws: WebSocket): boolean => ws.readyState === WebSocket.OPEN && createWebSocketStream(ws).readable;\n",
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node', '--typeRoots', join(root, 'node_modules', '@types'), 'consumer-ws.cts', 'consumer-ws.mts'];
    expect(() => run(process.execPath, [tsc, ...args], scratch)).not.toThrow();
  }, 120_000);
});
