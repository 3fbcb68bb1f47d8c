// Self-tests of lab teardown: destroy(), the exit and signal handlers (Ctrl-C included),
// and the sweeper for runs that were SIGKILLed. Each checks the machine afterwards:
// no namespace of the run in `ip netns list`, no interface in the host namespace,
// no temp dir, no surviving process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { command } from './command.js';
import { Lab, labUnavailableReason, sweepDeadLabs } from './index.js';

const skip = labUnavailableReason() ?? false;
const opts = { skip, timeout: 60_000 };
const CHILD = fileURLToPath(new URL('./support/lab-child.js', import.meta.url));

type ChildMode = 'wait' | 'exit' | 'uncaught' | 'return';

interface ChildReport {
  runId: string;
  tag: string;
  namespaces: string[];
  interfaces: string[];
  tempDir: string;
  pids: number[];
}

function isRunning(pid: number): boolean {
  try {
    // A zombie has exited; it only waits for its (possibly absent) reaper.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function eventually(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`still not true after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function assertNothingLeft(r: ChildReport): Promise<void> {
  const netns = await command('ip', ['netns', 'list']);
  assert.doesNotMatch(netns, new RegExp(r.runId), `namespaces of ${r.runId} remain:\n${netns}`);
  assert.doesNotMatch(await command('ip', ['-o', 'link']), new RegExp(r.tag), 'interfaces in the host namespace');
  assert.equal(existsSync(r.tempDir), false, `temp dir ${r.tempDir} remains`);
  for (const pid of r.pids) await eventually(`pid ${pid} gone`, () => !isRunning(pid));
}

async function assertLeftovers(r: ChildReport): Promise<void> {
  const netns = await command('ip', ['netns', 'list']);
  for (const name of r.namespaces) assert.match(netns, new RegExp(`^${name}\\b`, 'm'));
  assert.equal(existsSync(r.tempDir), true);
}

/** Starts lab-child.js, waits for its report, optionally signals it, and waits for it to end. */
async function runChild(mode: ChildMode, signal?: NodeJS.Signals): Promise<{ report: ChildReport; code: number | null; signal: string | null }> {
  const child = spawn(process.execPath, [CHILD, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
  const report = await new Promise<ChildReport>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lab-child printed no report in 20 s; stderr:\n${stderr}`)), 20_000);
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      if (line === undefined || !stdout.includes('\n')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as ChildReport);
    });
    void exited.then(() => setTimeout(() => reject(new Error(`lab-child exited before reporting; stderr:\n${stderr}`)), 500));
  });
  if (signal) child.kill(signal);
  const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const status = await exited;
  clearTimeout(timeout);
  return { report, ...status };
}

describe('lab cleanup', () => {
  test('destroy removes namespaces, processes and temp dirs, restores signal handling, and is idempotent', opts, async () => {
    const sigintListeners = process.listenerCount('SIGINT');
    const lab = await Lab.create({ tag: 'destroy' });
    try {
      const a = await lab.namespace('a');
      const b = await lab.namespace('b');
      const ends = await lab.link(a, b, { a: '192.0.2.1/24', b: '192.0.2.2/24' });
      await a.netem(ends.a, { delayMs: 10 }); // a userspace shaper, where the kernel lacks netem, must go too
      const dir = await lab.tempDir();
      const sleeper = b.spawn('sleep', ['300']);
      assert.equal(process.listenerCount('SIGINT'), sigintListeners + 1);

      await lab.destroy();
      await assertNothingLeft({ runId: lab.runId, tag: lab.run.tag, namespaces: [a.name, b.name], interfaces: [], tempDir: dir, pids: [sleeper.pid] });
      assert.notEqual(sleeper.exitStatus(), null);
      assert.equal(process.listenerCount('SIGINT'), sigintListeners);
    } finally {
      await lab.destroy();
    }
    await lab.destroy(); // idempotent
    await assert.rejects(lab.namespace('c'), /destroyed/);
  });

  const endings: Array<[string, ChildMode, NodeJS.Signals | undefined]> = [
    ['Ctrl-C (SIGINT)', 'wait', 'SIGINT'],
    ['SIGTERM', 'wait', 'SIGTERM'],
    ['process.exit()', 'exit', undefined],
    ['an uncaught exception', 'uncaught', undefined],
    ['running out of work without calling destroy()', 'return', undefined],
  ];
  for (const [label, mode, signal] of endings) {
    test(`a process that ends by ${label} leaves nothing of its lab behind`, opts, async () => {
      const child = await runChild(mode, signal);
      if (signal) assert.equal(child.signal, signal, 'the child dies of the signal it got');
      else assert.equal(child.code, mode === 'uncaught' ? 1 : 0);
      await assertNothingLeft(child.report);
    });
  }

  test('the sweeper removes leftovers of a SIGKILLed run and spares live runs', opts, async () => {
    const killed = await runChild('wait', 'SIGKILL');
    await assertLeftovers(killed.report); // SIGKILL cannot be caught: only the sweeper can help

    const live = await Lab.create({ tag: 'live', sweep: false });
    try {
      const mine = await live.namespace('a');
      const report = await sweepDeadLabs();
      assert.deepEqual(report.namespaces.filter((n) => n.includes(killed.report.runId)).sort(), [...killed.report.namespaces].sort());
      await assertNothingLeft(killed.report);
      assert.match(await command('ip', ['netns', 'list']), new RegExp(`^${mine.name}\\b`, 'm'), 'live run untouched');
    } finally {
      await live.destroy();
    }
  });
});
