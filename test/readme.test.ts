/**
 * The README lists every error code with its close code (ws's habit: every code in the API doc),
 * and exactly the options connect() takes.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { WEBSOCKET_ERRORS } from '../src/protocol/errors.js';
import { connectOptionNames } from '../src/client.js';

it('lists every WS_ERR_* code with its close code', () => {
  const readme = readFileSync(resolve(__dirname, '../README.md'), 'utf8');
  for (const [code, { closeCode }] of Object.entries(WEBSOCKET_ERRORS)) {
    expect(readme, code).toContain(`| \`${code}\` | ${closeCode ?? '—'} |`);
  }
});

it("names exactly the options connect() takes (others are a TypeError)", () => {
  const readme = readFileSync(resolve(__dirname, '../README.md'), 'utf8').replace(/\s+/g, ' ');
  const listed = / It takes exactly: ([^.]*)\./.exec(readme)?.[1];
  expect(listed?.split(', ').map((name) => name.replace(/`/g, ''))).toEqual(Object.keys(connectOptionNames));
});
