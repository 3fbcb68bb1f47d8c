// Shared setup for `npm start`, `npm test` and `npm run bench`: install npm
// dependencies when missing or stale, build the native UDP addon when missing or
// stale, then compile TypeScript. Node built-ins only, because it runs before anything
// is installed.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = dirname(dirname(fileURLToPath(import.meta.url)));

function run(cmd, args, what) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`setup: ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

export function ensureDependencies() {
  const lock = join(root, 'package-lock.json');
  const stamp = join(root, 'node_modules', '.outpost-installed');
  const want = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  console.log('setup: installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], 'npm ci');
  writeFileSync(stamp, want);
}

const addonDir = join(root, 'native', 'udp4');
const addonOut = join(addonDir, 'build', 'Release', 'udp4.node');

/** Newest modification time of the addon's sources (C files, headers, binding.gyp). */
function addonSourcesMtime() {
  return Math.max(...readdirSync(addonDir)
    .filter((name) => /\.(c|h|gyp)$/.test(name))
    .map((name) => statSync(join(addonDir, name)).mtimeMs));
}

const hasCommand = (cmd) => spawnSync('sh', ['-c', 'command -v "$1" >/dev/null', 'sh', cmd]).status === 0;

/** The C toolchain node-gyp drives; installed with apt-get when we are root on Debian. */
function ensureBuildTools() {
  const tools = [
    { cmd: process.env.CC || 'cc', pkg: 'gcc' },
    { cmd: process.env.CXX || 'c++', pkg: 'g++' }, // gyp links the module with the C++ driver
    { cmd: 'make', pkg: 'make' },
    { cmd: 'python3', pkg: 'python3' },
  ];
  let missing = tools.filter((t) => !hasCommand(t.cmd));
  if (missing.length === 0) return;
  const names = missing.map((t) => t.cmd).join(', ');
  const isRoot = process.getuid?.() === 0;
  const isDebian = existsSync('/etc/debian_version') && existsSync('/usr/bin/apt-get');
  if (!isRoot || !isDebian) {
    console.error(`setup: building the native UDP addon (native/udp4) needs ${names}, which are missing. Install them (Debian: apt-get install ${missing.map((t) => t.pkg).join(' ')}) and run again.`);
    process.exit(1);
  }
  const pkgs = [...new Set(missing.map((t) => t.pkg))];
  console.log(`setup: installing the C toolchain for the native UDP addon with apt-get: ${pkgs.join(' ')}`);
  const opts = { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
  if (spawnSync('apt-get', ['update', '-qq'], opts).status !== 0 ||
      spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], opts).status !== 0) {
    console.error(`setup: apt-get could not install ${pkgs.join(' ')}`);
    process.exit(1);
  }
  missing = tools.filter((t) => !hasCommand(t.cmd));
  if (missing.length > 0) {
    console.error(`setup: still missing after apt-get: ${missing.map((t) => t.cmd).join(', ')}`);
    process.exit(1);
  }
}

/**
 * Node's headers for node-gyp, so it never downloads them: npm's `nodedir` setting
 * (environment or npmrc), else the include/node directory beside this node binary.
 * Undefined when neither exists (node-gyp then fetches headers into its cache).
 */
function nodeHeadersDir() {
  const valid = (dir) => dir && dir !== 'undefined' && dir !== 'null' && existsSync(join(dir, 'include', 'node', 'node_api.h'));
  const fromEnv = process.env.npm_config_nodedir;
  if (valid(fromEnv)) return fromEnv;
  const r = spawnSync('npm', ['config', 'get', 'nodedir'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const fromNpm = r.status === 0 ? r.stdout.trim() : '';
  if (valid(fromNpm)) return fromNpm;
  const beside = dirname(dirname(process.execPath));
  return valid(beside) ? beside : undefined;
}

/** Builds native/udp4 with node-gyp when its .node is missing or older than a source. */
export function ensureAddon() {
  if (process.platform !== 'linux') {
    console.log('setup: not building the native UDP addon: it needs Linux (the DHCP server cannot run here)');
    return;
  }
  if (existsSync(addonOut) && statSync(addonOut).mtimeMs >= addonSourcesMtime()) return;
  const gyp = join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (!existsSync(gyp)) {
    console.error('setup: node-gyp is missing from node_modules; it is a devDependency: run npm ci (without --omit=dev)');
    process.exit(1);
  }
  ensureBuildTools();
  const headers = nodeHeadersDir();
  console.log(`setup: building the native UDP addon native/udp4 (node-gyp, Node headers from ${headers ?? 'node-gyp\'s cache or download'})`);
  const args = [gyp, 'rebuild', `--directory=${addonDir}`, '--loglevel=warn'];
  if (headers) args.push(`--nodedir=${headers}`);
  run(process.execPath, args, 'native addon build (node-gyp)');
  if (!existsSync(addonOut)) {
    console.error(`setup: node-gyp succeeded but ${addonOut} is missing`);
    process.exit(1);
  }
}

export function build() {
  run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], 'TypeScript build');
}

export function setup() {
  ensureDependencies();
  ensureAddon();
  build();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) setup();
