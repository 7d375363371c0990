#!/usr/bin/env node
// Installs what the demo and the tests need on a fresh machine that has only Node 20 and npm:
// pnpm (the version pinned in package.json), the system tools the tests use (bubblewrap for the
// OpenSandbox emulator's isolation, inotify-tools for native file watching, ripgrep for the
// fs_grep engine that prefers it), and node modules.
// Idempotent and quiet when everything is already there. Set KODE_SKIP_SYSTEM_PACKAGES=1 to skip
// the apt-get step.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const step = (text) => console.log(`\u25b8 setup: ${text}`);
const fail = (text) => {
  console.error(`\u2716 setup: ${text}`);
  process.exit(1);
};
const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
const run = (command, args, options = {}) => {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, ...options });
  if (result.status !== 0) fail(`\`${[command, ...args].join(' ')}\` exited with ${result.status ?? result.signal}`);
};

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) fail(`Node >= 20.19 is required (found ${process.versions.node}).`);

// 1. pnpm, exactly the pinned major.
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.replace(/^pnpm@/, '');
const current = has('pnpm') ? execFileSync('pnpm', ['--version'], { encoding: 'utf8' }).trim() : '';
if (current.split('.')[0] !== pinned.split('.')[0]) {
  step(`installing pnpm@${pinned} with npm (found ${current || 'none'})`);
  run('npm', ['install', '--global', '--no-fund', '--no-audit', `pnpm@${pinned}`]);
}

// 2. System packages the tests need (Linux only).
if (process.platform === 'linux' && process.env.KODE_SKIP_SYSTEM_PACKAGES !== '1') {
  const missing = [
    ['bwrap', 'bubblewrap'],
    ['inotifywait', 'inotify-tools'],
    ['rg', 'ripgrep'],
  ].filter(([bin]) => !has(bin)).map(([, pkg]) => pkg);
  if (missing.length > 0) {
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (isRoot && has('apt-get')) {
      step(`installing ${missing.join(' ')} with apt-get`);
      run('apt-get', ['update', '-qq']);
      run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } else {
      console.warn(`\u26a0 setup: missing ${missing.join(', ')}; install them (e.g. \`sudo apt-get install ${missing.join(' ')}\`) or the emulator, native-watch and rg-engine tests will fail or be skipped.`);
    }
  }
}

// 3. Node modules, exactly as locked.
step('installing node modules (pnpm install --frozen-lockfile)');
run('pnpm', ['install', '--frozen-lockfile', '--reporter=append-only'], { env: { ...process.env, CI: 'true' } });
step('ready');
