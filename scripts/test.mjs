// `npm test`: installs what the tests need, builds, and runs every tier with node:test.
// Usage: npm test [-- tier...]   (tiers: unit protocol system lab; default all)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, setup } from './setup.mjs';
import { installLabPackages, isDebian, isRoot, missingLabPackages } from './lab-packages.mjs';

const TIERS = ['unit', 'protocol', 'system', 'lab'];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const t of wanted) if (!TIERS.includes(t)) { console.error(`test: unknown tier "${t}" (tiers: ${TIERS.join(', ')})`); process.exit(2); }
const tiers = wanted.length > 0 ? TIERS.filter((t) => wanted.includes(t)) : TIERS;

setup();

/** Why the lab tier cannot run here, or null when it can (installing what is missing). */
function labSkipReason() {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (!isRoot()) return 'not root: network namespaces and the lab\'s Debian packages need root (run npm test as root)';
  let missing = missingLabPackages();
  if (missing.length > 0) {
    if (!isDebian()) return `lab packages missing and this is not Debian: ${missing.join(' ')}`;
    console.log(`test: installing the lab's Debian packages with apt-get: ${missing.join(' ')}`);
    installLabPackages(missing);
    missing = missingLabPackages();
    if (missing.length > 0) return `apt-get could not install: ${missing.join(' ')}`;
  }
  const probe = `op-probe-${process.pid}`;
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (add.status !== 0) return `cannot create a network namespace: ${add.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return testFiles(full);
    return name.endsWith('.test.js') ? [full] : [];
  });
}

const files = [];
const skipped = [];
for (const tier of tiers) {
  const reason = tier === 'lab' ? labSkipReason() : null;
  if (reason) { skipped.push({ tier, reason }); continue; }
  files.push(...testFiles(join(root, 'dist', 'test', tier)));
}
if (files.length === 0) { console.error('test: no test files to run'); process.exit(1); }

const work = mkdtempSync(join(tmpdir(), 'outpost-test-'));
const tap = join(work, 'results.tap');
const args = [
  '--test', '--test-timeout=600000',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tap}`,
  ...files,
];
const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
const stop = (signal) => child.kill(signal);
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
const code = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0))));

const summary = {};
for (const m of readFileSync(tap, 'utf8').matchAll(/^# (tests|pass|fail|skipped|todo|cancelled) (\d+)$/gm)) summary[m[1]] = Number(m[2]);
rmSync(work, { recursive: true, force: true });
for (const s of skipped) console.log(`test: skipped tier ${s.tier}: ${s.reason}`);
const failed = (summary.fail ?? 0) + (summary.cancelled ?? 0);
console.log(`tiers run: ${tiers.filter((t) => !skipped.some((s) => s.tier === t)).join(', ')}`);
console.log(`outpost: ${summary.pass ?? 0} passed, ${failed} failed, ${(summary.skipped ?? 0) + (summary.todo ?? 0)} skipped`);
process.exit(code === 0 && failed === 0 ? 0 : 1);
