/** The README lists every error code with its close code (ws's habit: every code in the API doc). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { WEBSOCKET_ERRORS } from '../src/protocol/errors.js';

it('lists every WS_ERR_* code with its close code', () => {
  const readme = readFileSync(resolve(__dirname, '../README.md'), 'utf8');
  for (const [code, { closeCode }] of Object.entries(WEBSOCKET_ERRORS)) {
    expect(readme, code).toContain(`| \`${code}\` | ${closeCode ?? '—'} |`);
  }
});
