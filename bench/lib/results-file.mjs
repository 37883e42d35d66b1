/** Replaces (or appends) one `## ` section of bench/RESULTS.md, leaving the other sections alone. */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export function writeResultsSection(path, heading, body) {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmark results\n';
  const header = `## ${heading}`;
  const start = text.indexOf(`${header}\n`);
  const section = `${header}\n\n${body.trim()}\n`;
  if (start === -1) {
    writeFileSync(path, `${text.trimEnd()}\n\n${section}`);
    return;
  }
  const next = text.indexOf('\n## ', start + header.length);
  const end = next === -1 ? text.length : next + 1;
  writeFileSync(path, `${text.slice(0, start)}${section}${next === -1 ? '' : '\n'}${text.slice(end)}`);
}

export function markdownTable(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
