// Self-tests of programs run inside lab namespaces: captured output, timeouts,
// waiting for a log line or a listening port, and stopping.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LabTimeoutError, labUnavailableReason, withLab } from './index.js';
import { ECHO_PORT, startEcho } from './support/udp.js';

const skip = labUnavailableReason() ?? false;
const opts = { skip, timeout: 60_000 };

describe('lab processes', () => {
  test('run captures stdout, stderr, exit code and input, inside the namespace', opts, () =>
    withLab({ tag: 'run' }, async (lab) => {
      const ns = await lab.namespace('a');
      const r = await ns.run('sh', ['-c', 'cat; echo err >&2; ip -o link | wc -l; exit 3'], { input: 'hello\n' });
      assert.deepEqual({ code: r.code, timedOut: r.timedOut, stderr: r.stderr }, { code: 3, timedOut: false, stderr: 'err\n' });
      assert.equal(r.stdout, 'hello\n1\n', 'only lo exists in a fresh namespace');
      const env = await ns.run('sh', ['-c', 'echo "$LAB_X" && pwd'], { env: { LAB_X: 'x1' }, cwd: '/tmp' });
      assert.equal(env.stdout, 'x1\n/tmp\n');
    }),
  );

  test('run kills a program that outlives its timeout, with its children', opts, () =>
    withLab({ tag: 'runtimeout' }, async (lab) => {
      const ns = await lab.namespace('a');
      const started = Date.now();
      const r = await ns.run('sh', ['-c', 'sleep 30 & echo started; wait'], { timeoutMs: 300 });
      assert.equal(r.timedOut, true);
      assert.equal(r.signal, 'SIGKILL');
      assert.equal(r.stdout, 'started\n');
      assert.ok(Date.now() - started < 5_000);
      assert.deepEqual(await ns.pids(), [], 'the background sleep died with its group');
    }),
  );

  test('waitForLine finds earlier and later lines, honours mark(), and rejects with the output on exit or timeout', opts, () =>
    withLab({ tag: 'lines' }, async (lab) => {
      const ns = await lab.namespace('a');
      const p = ns.spawn('sh', ['-c', 'echo one; echo two >&2; sleep 0.3; echo three; sleep 30']);
      assert.equal(await p.waitForLine(/^t\w+$/, 5_000), 'two');
      const mark = p.mark();
      assert.equal(await p.waitForLine(/^t\w+$/, 5_000, mark), 'three');
      assert.equal(await p.waitForLine(/one/g, 100), 'one', 'a global regex is not stateful here');
      await assert.rejects(p.waitForLine(/never/, 200), (err: unknown) => err instanceof LabTimeoutError && /one\ntwo\nthree/.test(err.message));
      const stopped = await p.stop(2_000);
      assert.equal(stopped.signal, 'SIGTERM');

      const quitter = ns.spawn('sh', ['-c', 'echo bye; exit 4']);
      const started = Date.now();
      await assert.rejects(quitter.waitForLine(/never/, 10_000), /exited \(code 4.*\n[^]*bye/);
      assert.ok(Date.now() - started < 5_000, 'early exit rejects at once, not at the timeout');
    }),
  );

  test('stop escalates to SIGKILL for a program that ignores SIGTERM', opts, () =>
    withLab({ tag: 'stop' }, async (lab) => {
      const ns = await lab.namespace('a');
      const p = ns.spawn('sh', ['-c', "trap '' TERM; echo ready; while :; do sleep 0.05; done"]);
      await p.waitForLine(/ready/, 5_000);
      const status = await p.stop(300);
      assert.equal(status.signal, 'SIGKILL');
    }),
  );

  test('waitForPort sees a UDP listener and times out on a closed TCP port', opts, () =>
    withLab({ tag: 'port' }, async (lab) => {
      const ns = await lab.namespace('a');
      await startEcho(ns, '127.0.0.1');
      await ns.waitForPort(ECHO_PORT, { proto: 'udp', timeoutMs: 2_000 });
      const started = Date.now();
      await assert.rejects(ns.waitForPort(ECHO_PORT, { proto: 'tcp', timeoutMs: 300 }), LabTimeoutError);
      assert.ok(Date.now() - started < 3_000);
    }),
  );
});
