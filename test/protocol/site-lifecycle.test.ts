// The site daemon lifecycle: every (state × event) pair against an independent
// statement of the rules, and the daemon's behaviour under fake time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/core/fake-clock.js';
import { LIFECYCLE_EVENTS, LIFECYCLE_STATES, Lifecycle, nextLifecycleState, type LifecycleEvent, type LifecycleState } from '../../src/site/lifecycle.js';
import { SiteDaemon } from '../../src/site/daemon.js';
import type { SiteService } from '../../src/site/service.js';
import { memoryLogger } from '../support/memory-log.js';

const expected: Record<LifecycleState, Partial<Record<LifecycleEvent, LifecycleState>>> = {
  idle: { start: 'starting', stop: 'stopped' },
  starting: { started: 'running', startFailed: 'stopping', stop: 'stopping', serviceFailed: 'stopping' },
  running: { stop: 'stopping', serviceFailed: 'stopping' },
  stopping: { stop: 'stopping', serviceFailed: 'stopping', stopped: 'stopped', stoppedAfterFailure: 'failed' },
  stopped: { stop: 'stopped' },
  failed: { stop: 'failed' },
};

test('transition matrix: every state × event is allowed exactly as the rules say', () => {
  for (const state of LIFECYCLE_STATES) {
    for (const event of LIFECYCLE_EVENTS) {
      assert.equal(nextLifecycleState(state, event), expected[state][event], `${state} × ${event}`);
    }
  }
});

test('a refused transition throws and leaves the state alone; an allowed one is logged', () => {
  const seen: string[] = [];
  const lc = new Lifecycle((t) => seen.push(`${t.from}->${t.to} (${t.cause})`));
  assert.throws(() => lc.transition('started', 'bogus'), /"started" is not allowed in state "idle"/);
  assert.equal(lc.state, 'idle');
  lc.transition('start', 'test');
  assert.deepEqual(seen, ['idle->starting (test)']);
  assert.deepEqual(lc.history.map((h) => h.to), ['starting']);
});

interface FakeService extends SiteService { calls: string[]; fail(error: Error): void }

function service(name: string, calls: string[], o: { startFails?: boolean; stopHangs?: boolean; startGate?: Promise<void> } = {}): FakeService {
  let listener: ((e: Error) => void) | undefined;
  return {
    name,
    calls,
    async start() { calls.push(`start ${name}`); await o.startGate; if (o.startFails) throw new Error(`${name} cannot bind`); },
    stop() { calls.push(`stop ${name}`); return o.stopHangs ? new Promise<void>(() => {}) : Promise.resolve(); },
    onFailure(l) { listener = l; },
    fail(error) { listener?.(error); },
  };
}

test('services start in order and stop in reverse order; the daemon ends stopped', async () => {
  const calls: string[] = [];
  const { log, codes } = memoryLogger();
  const daemon = new SiteDaemon({ services: [service('status', calls), service('dhcp', calls), service('dns', calls)], clock: new FakeClock(), log });
  assert.equal(await daemon.start(), true);
  assert.equal(daemon.state, 'running');
  assert.equal(await daemon.stop('SIGTERM'), 'stopped');
  assert.deepEqual(calls, ['start status', 'start dhcp', 'start dns', 'stop dns', 'stop dhcp', 'stop status']);
  assert.deepEqual(codes().filter((c) => c !== 'SITE_TRANSITION'), ['SITE_STARTING', 'SITE_READY', 'SITE_STOPPING', 'SITE_STOPPED']);
  assert.deepEqual(daemon.lifecycle.history.map((h) => h.to), ['starting', 'running', 'stopping', 'stopped']);
});

test('a service that fails to start is asked to release what it got, the started ones stop, and the daemon ends failed', async () => {
  const calls: string[] = [];
  const { log, codes } = memoryLogger();
  const daemon = new SiteDaemon({ services: [service('status', calls), service('dhcp', calls, { startFails: true }), service('dns', calls)], clock: new FakeClock(), log });
  assert.equal(await daemon.start(), false);
  assert.equal(await daemon.done, 'failed');
  assert.deepEqual(calls, ['start status', 'start dhcp', 'stop dhcp', 'stop status']);
  assert.ok(codes().includes('SITE_SERVICE_FAILED'));
  assert.match(daemon.lifecycle.history.at(-1)?.cause ?? '', /dhcp failed to start: dhcp cannot bind/);
});

test('a service that hangs on stop is abandoned at the deadline (fake time), and the daemon ends failed', async () => {
  const calls: string[] = [];
  const clock = new FakeClock();
  const { log, lines } = memoryLogger();
  const daemon = new SiteDaemon({ services: [service('status', calls), service('dns', calls, { stopHangs: true })], clock, log, stopDeadlineMs: 4000 });
  await daemon.start();
  const stopped = daemon.stop('SIGTERM');
  await new Promise((r) => setImmediate(r));
  assert.equal(daemon.state, 'stopping');
  clock.advance(3999);
  await new Promise((r) => setImmediate(r));
  assert.equal(daemon.state, 'stopping', 'not before the deadline');
  clock.advance(1);
  assert.equal(await stopped, 'failed');
  const deadline = lines().find((l) => l.code === 'SITE_STOP_DEADLINE');
  assert.deepEqual(deadline?.services, ['dns']);
});

test('a service dying while running stops the daemon, which ends failed', async () => {
  const calls: string[] = [];
  const dns = service('dns', calls);
  const daemon = new SiteDaemon({ services: [service('status', calls), dns], clock: new FakeClock(), log: memoryLogger().log });
  await daemon.start();
  dns.fail(new Error('socket closed'));
  assert.equal(await daemon.done, 'failed');
  assert.deepEqual(calls, ['start status', 'start dns', 'stop dns', 'stop status']);
  assert.equal(daemon.serviceStates().find((s) => s.name === 'dns')?.state, 'stopped');
});

test('a stop while starting lets the current start finish, starts nothing more, and stops what started', async () => {
  const calls: string[] = [];
  let open!: () => void;
  const gate = new Promise<void>((r) => { open = r; });
  const daemon = new SiteDaemon({ services: [service('status', calls), service('dhcp', calls, { startGate: gate }), service('dns', calls)], clock: new FakeClock(), log: memoryLogger().log });
  const started = daemon.start();
  await new Promise((r) => setImmediate(r));
  const stopped = daemon.stop('SIGTERM');
  open();
  assert.equal(await started, false);
  assert.equal(await stopped, 'stopped');
  assert.deepEqual(calls, ['start status', 'start dhcp', 'stop dhcp', 'stop status']);
});

test('stop is idempotent: repeated signals, and a stop before start, are harmless', async () => {
  const idle = new SiteDaemon({ services: [], clock: new FakeClock(), log: memoryLogger().log });
  assert.equal(await idle.stop('SIGTERM'), 'stopped');
  assert.equal(await idle.stop('SIGTERM'), 'stopped');
  const calls: string[] = [];
  const daemon = new SiteDaemon({ services: [service('status', calls)], clock: new FakeClock(), log: memoryLogger().log });
  await daemon.start();
  const [a, b] = await Promise.all([daemon.stop('SIGTERM'), daemon.stop('SIGINT')]);
  assert.deepEqual([a, b, await daemon.stop('again')], ['stopped', 'stopped', 'stopped']);
  assert.deepEqual(calls, ['start status', 'stop status']);
});
