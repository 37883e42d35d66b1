/**
 * How to start a Node process that can load uWebSockets.js (bench/setup-uws.sh): through Debian 13's
 * dynamic loader, with its glibc first on the library path (the system's for everything else).
 */
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const work = join(fileURLToPath(new URL('..', import.meta.url)), '.work');
const loader = join(work, 'glibc/usr/lib64/ld-linux-x86-64.so.2');

/** The command (loader, its flags, node) to put before node's own arguments, or undefined when not set up. */
export function uwsCommand() {
  if (!existsSync(loader) || !existsSync(join(work, 'uws/node_modules/@btc-vision/uwebsockets.js'))) return undefined;
  return [loader, '--library-path', `${join(work, 'glibc/usr/lib/x86_64-linux-gnu')}:/usr/lib/x86_64-linux-gnu`, realpathSync(process.execPath)];
}
