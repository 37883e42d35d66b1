/**
 * The package as a user gets it: the project packed by `npm pack` (whose prepare builds the
 * TypeScript and prepack the prebuilds, scripts/prebuild.mjs) and the tarball installed into a
 * scratch project; or the project as a clone has it. For the tests in test/package/.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const projectRoot = resolve(__dirname, '../..');

/** npm is npm.cmd on Windows, which Node starts only through a shell. */
const shellFor = (command: string): boolean => process.platform === 'win32' && command === 'npm';

export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], shell: shellFor(command) });
}

export interface PackedPackage {
  /** The scratch project: package.json, node_modules/ and the tarball. */
  scratch: string;
  /** node_modules/wsframe inside it. */
  installed: string;
  /** Everything `npm pack` printed, its build's compiler output included. */
  packOutput: string;
}

/**
 * Packs the project from a copy of its files (prepack rebuilds in build/, which must not pull
 * the addon from under the tests running beside this one) and installs the tarball with `npm
 * install` and the given flags into a new scratch folder under the system's temporary folder.
 */
export function packAndInstall(name: string, installFlags: string[] = []): PackedPackage {
  const scratch = mkdtempSync(join(tmpdir(), `wsframe-${name}-`));
  const source = copyOfProject(scratch);
  // A junction on Windows, where a directory symlink needs privileges; elsewhere the type is ignored.
  symlinkSync(join(projectRoot, 'node_modules'), join(source, 'node_modules'), 'junction');
  const pack = spawnSync('npm', ['pack', '--pack-destination', scratch], { cwd: source, encoding: 'utf8', shell: shellFor('npm') });
  const packOutput = `${pack.stdout}${pack.stderr}`;
  if (pack.status !== 0) throw new Error(`npm pack failed:\n${packOutput}`);
  const tarball = readdirSync(scratch).find((file) => file.endsWith('.tgz'))!;
  writeFileSync(join(scratch, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
  run('npm', ['install', '--no-audit', '--no-fund', ...installFlags, join(scratch, tarball)], scratch);
  return { scratch, installed: join(scratch, 'node_modules', 'wsframe'), packOutput };
}

/** The files a clone of the project has (tracked, or new and not ignored), copied to `scratch`/source: no node_modules, no builds. */
export function copyOfProject(scratch: string): string {
  const source = join(scratch, 'source');
  const files = run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], projectRoot).split('\0');
  for (const file of files) {
    if (file === '' || !existsSync(join(projectRoot, file))) continue;
    mkdirSync(dirname(join(source, file)), { recursive: true });
    copyFileSync(join(projectRoot, file), join(source, file));
  }
  return source;
}
