/**
 * The suite runs on each Node version package.json's `engines` names (scripts/test.sh drives
 * one run per version): this checks that a run really is on the Node it claims, and that it is
 * one `engines` admits, so the field cannot drift from what is tested.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

const engines: string = JSON.parse(readFileSync(resolve(__dirname, '../package.json'), 'utf8')).engines.node;

it('runs on the Node scripts/test.sh chose, one of the major versions `engines` names', () => {
  // "^20.0.0 || ^22.0.0 || ^24.0.0": one caret range per tested major version.
  const majors = engines.split('||').map((range) => /^\s*\^(\d+)\.0\.0\s*$/.exec(range)?.[1]);
  expect(majors).not.toContain(undefined);
  expect(majors).toContain(process.versions.node.split('.')[0]);
  if (process.env.WSFRAME_TEST_NODE !== undefined) expect(process.version).toBe(process.env.WSFRAME_TEST_NODE);
});
