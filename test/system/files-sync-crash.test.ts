// The synced set survives kill -9 at random moments. A child process (this file, run
// with OUTPOST_FILES_SYNC_CRASH_CHILD set) runs the sync part toward one version of a
// manifest, fetched from an HTTP source on loopback in the parent with a bandwidth cap,
// printing its log and "DONE" once the set is served and the attempt over. The parent
// SIGKILLs it at a seeded random moment — anywhere in one cycle, a few ms after the
// machine entered `switching` in the next (so kills land while downloading, verifying,
// building, switching and cleaning up) — then checks: `current` is absent (before the first set) or
// names a set whose files are exactly those of one version's manifest, every file
// hashing to its SHA-256 — the version served before or the one synced to, never a half
// set; every object kept hashes to its name; nothing is left that could be taken for a
// set. The next child goes on from what the last one left until the version is served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { setId } from '../../src/protocol/files/sync-plan.js';
import { createLogger } from '../../src/runtime/log.js';
import { systemClock } from '../../src/runtime/system-clock.js';
import { FilesSync } from '../../src/site/files-sync.js';
import { FileTree } from '../../src/site/files-tree.js';
import { startChild } from '../support/child.js';
import { FilesSource, manifestOf, sha256Of } from '../support/files-source.js';
import { seededRandom } from '../support/random.js';

const SEED = 20261206;
const VERSIONS = 6;
const MAX_CYCLES_PER_VERSION = 12;
const BANDWIDTH = 2 * 1024 * 1024;

type Manifest = ReturnType<typeof manifestOf>;

interface ChildJob { dataDir: string; url: string; manifest: Manifest }

async function child(job: ChildJob): Promise<void> {
  const config = { enabled: true, root: 'unused', dataDir: job.dataDir, sync: { manifest: job.manifest, sources: [{ url: job.url }], retryInterval: 1, bandwidth: BANDWIDTH } };
  // The log goes to stdout: the parent aims some kills at the switch.
  const sync = new FilesSync({
    config, configDir: job.dataDir, log: createLogger({ level: 'debug' }), clock: systemClock, registry: new Registry(),
    tree: new FileTree(join(job.dataDir, 'current')), dataDir: job.dataDir,
  });
  await sync.start();
  process.stdout.write('READY\n');
  for (let i = 0; i < 1000 && sync.status().state !== 'complete'; i++) await new Promise((r) => setTimeout(r, 10));
  await sync.stop(); // waits for the attempt, clean-up included
  process.stdout.write('DONE\n');
  process.exit(0);
}

/** The files under dir, path → SHA-256. */
function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.set(relative(dir, full), sha256Of(readFileSync(full)));
    }
  };
  walk(dir);
  return out;
}

function version(k: number, big: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (let i = 0; i < 6; i++) files.set(`SEP00${i}.cnf.xml`, Buffer.from(`<device n="${i}" v="${i < 2 ? k : 0}"/>`)); // two change each version
  files.set('firmware/88xx.loads', k % 2 === 1 ? big : Buffer.concat([big, Buffer.from(`v${k}`)]));
  files.set('ring/a.raw', Buffer.from('ring'));
  files.set('ring/copy.raw', Buffer.from('ring'));
  return files;
}

const childJob = process.env.OUTPOST_FILES_SYNC_CRASH_CHILD;
if (childJob) {
  await child(JSON.parse(childJob) as ChildJob);
} else {
  test(`the served set is the old one or the new one, complete and verified, through SIGKILLs at random moments (seed ${SEED})`, { timeout: 120_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-files-sync-crash-'));
    const dataDir = join(dir, 'data');
    const source = await new FilesSource().start();
    const rnd = seededRandom(SEED);
    const big = Buffer.from(Array.from({ length: 1_500_000 }, (_, i) => (i * 7 + (i >> 11)) & 0xff));
    const manifests = new Map<string, Manifest>(); // set id → manifest
    let served: string | undefined; // the set served after the last child that finished
    let kills = 0;
    const log: string[] = [];
    const phases = new Set<string>();
    try {
      for (let k = 1; k <= VERSIONS; k++) {
        source.files.clear();
        for (const [p, b] of version(k, big)) source.files.set(p, b);
        const manifest = manifestOf(`v${k}`, source.files);
        const target = setId(manifest);
        manifests.set(target, manifest);
        let done = false;
        let stderr = '';
        for (let cycle = 0; !done; cycle++) {
          assert.ok(cycle < MAX_CYCLES_PER_VERSION, `v${k} not served after ${cycle} children; the last one's stderr: ${stderr}`);
          const proc = startChild(process.execPath, [fileURLToPath(import.meta.url)], {
            env: { ...process.env, OUTPOST_FILES_SYNC_CRASH_CHILD: JSON.stringify({ dataDir, url: source.url, manifest }) },
          });
          const running = () => proc.proc.exitCode === null;
          await proc.waitFor(/READY/, 10_000);
          if (cycle % 2 === 1) {
            // Aimed: a few ms after every object is held, while the set is built, switched and cleaned up.
            const aim = Date.now() + 10_000;
            while (!proc.stdout().includes('"to":"switching"') && Date.now() < aim && running()) await new Promise((r) => setImmediate(r));
            await new Promise((r) => setTimeout(r, Math.floor(rnd() * 60)));
          } else {
            // Anywhere; later cycles wait longer, so each version is served in the end.
            await new Promise((r) => setTimeout(r, Math.floor(rnd() * (300 + 200 * cycle))));
          }
          if (running()) {
            proc.kill();
            kills++;
          }
          await proc.exit();
          stderr = proc.stderr();
          done = proc.stdout().includes('DONE');
          const phase = (existsSync(join(dataDir, 'current.tmp')) || existsSync(join(dataDir, 'previous.tmp')) ? 'switching'
            : readdirSync(join(dataDir, 'sets')).some((n) => n.startsWith('~build-')) ? 'building'
              : readdirSync(join(dataDir, 'downloads')).length > 0 ? 'downloading' : 'between');
          phases.add(phase);
          log.push(`v${k}.${cycle}:${done ? 'done' : phase}`);

          // What is served is a whole set of one version: the one served before, or the target.
          const current = existsSync(join(dataDir, 'current')) ? readlinkSync(join(dataDir, 'current')) : undefined;
          if (current === undefined) assert.equal(served, undefined, `v${k} cycle ${cycle}: current vanished`);
          else {
            const id = current.replace(/^sets\//, '');
            assert.ok(id === target || id === served, `v${k} cycle ${cycle}: current is ${id}, neither ${served} nor ${target}`);
            const m = manifests.get(id)!;
            assert.deepEqual(tree(join(dataDir, current)), new Map(m.files.map((f) => [f.path, f.sha256])), `v${k} cycle ${cycle}: ${id} is whole and verified`);
            assert.deepEqual(JSON.parse(readFileSync(join(dataDir, 'sets', `${id}.json`), 'utf8')), m);
            served = id;
          }
          for (const o of readdirSync(join(dataDir, 'objects'))) assert.equal(sha256Of(readFileSync(join(dataDir, 'objects', o))), o, `v${k} cycle ${cycle}: object ${o}`);
          for (const p of readdirSync(join(dataDir, 'downloads'))) assert.ok(statSync(join(dataDir, 'downloads', p)).size <= big.length + 2);
          if (done) assert.equal(served, target, `v${k}: DONE with ${target} served`);
        }
      }
      t.diagnostic(`${kills} kills; states seen after a kill: ${[...phases].join(', ')}; ${log.join(' ')}`);
      assert.ok(kills >= VERSIONS, `${kills} kills`);
      assert.ok(phases.has('downloading'), `kills landed in: ${[...phases].join(', ')}`);
      // The last set and the one before it are kept; every other one is gone.
      const sets = readdirSync(join(dataDir, 'sets')).filter((n) => !n.endsWith('.json'));
      assert.ok(sets.length <= 2 && sets.includes(served!), sets.join(', '));
    } finally {
      await source.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
