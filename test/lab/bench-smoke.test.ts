// Smoke test of the benchmark harness (bench/, docs/benchmarks.md): each bench
// runs its peer for real with minimal repetitions and duration, prints a RESULT
// line last with a positive peer figure, and writes its JSON; dhcp4 also measures
// Outpost side by side, dhcp4-ha Outpost's failover pair against Outpost alone and
// Kea's HA pair (two RESULT lines); dns-udp's outpost side, not implemented yet, fails clearly
// instead of printing a number.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

// This file runs as dist/test/lab/bench-smoke.test.js; the bench CLI is dist/bench/main.js.
const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'main.js');

interface Ran { code: number | null; stdout: string; stderr: string }

function bench(args: string[], timeoutMs: number): Promise<Ran> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // SIGINT, not SIGKILL: the bench must get to clean up its lab and servers.
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? '';
}

async function peerOnly(name: string, peer: string, unit: string, extra: string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-smoke-'));
  try {
    const json = join(dir, `${name}.json`);
    const r = await bench([name, '--peer-only', '--json-out', json, ...extra], 50_000);
    assert.equal(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    const last = lastLine(r.stdout);
    const m = new RegExp(`^RESULT ${name} outpost=n/a ${peer}=(\\d+(?:\\.\\d+)?) ratio=n/a unit=(\\S+)$`).exec(last);
    assert.ok(m, `last line is not a peer-only RESULT line: ${last}`);
    assert.ok(Number(m[1]) > 0, `peer figure must be positive: ${last}`);
    assert.equal(m[2], unit);

    assert.ok(existsSync(json), 'JSON result written');
    const record = JSON.parse(readFileSync(json, 'utf8')) as {
      benchmark: string;
      result: string;
      runs: { contender: string; value: number }[];
      summary: Record<string, { median: number }>;
      machine: { cpuModel: string; cores: number; kernel: string; node: string; programs: Record<string, { version?: string }> };
    };
    assert.equal(record.benchmark, name);
    assert.equal(record.result, last);
    assert.ok(record.runs.length >= 1 && record.runs.every((run) => run.contender === peer && run.value > 0));
    assert.ok(record.summary[peer]!.median > 0);
    assert.ok(record.machine.cores >= 1 && record.machine.kernel !== '' && record.machine.node === process.version);
    for (const [program, v] of Object.entries(record.machine.programs)) {
      assert.ok(v.version, `version of ${program} recorded`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('bench harness', () => {
  test('dns-udp --peer-only measures knot with dnsperf and prints RESULT last', { timeout: 60_000 }, () =>
    peerOnly('dns-udp', 'knot', 'qps', ['--repetitions', '2', '--duration', '2']),
  );

  // Search mode (no --rate) with 1 s trials: the default policy, end to end.
  test('dhcp4 --peer-only measures kea with perfdhcp in a lab and prints RESULT last', { timeout: 60_000 }, () =>
    peerOnly('dhcp4', 'kea', 'exchanges/s', ['--repetitions', '1', '--duration', '1']),
  );

  test('dhcp4 measures outpost and kea side by side at a fixed rate and prints their ratio', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-smoke-'));
    try {
      const r = await bench(['dhcp4', '--repetitions', '1', '--duration', '1', '--rate', '500', '--json-out', join(dir, 'd.json')], 50_000);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const m = /^RESULT dhcp4 outpost=(\d+) kea=(\d+) ratio=(\d+\.\d+) unit=exchanges\/s$/.exec(lastLine(r.stdout));
      assert.ok(m, `last line: ${lastLine(r.stdout)}`);
      assert.ok(Number(m[1]) > 0 && Number(m[2]) > 0);
      assert.equal(Number(m[3]).toFixed(3), (Number(m[1]) / Number(m[2])).toFixed(3));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('dhcp4 --load-instances 2 splits the rate between two perfdhcp from two namespaces and sums their counters', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-smoke-'));
    try {
      const out = join(dir, 'd.json');
      const r = await bench(['dhcp4', '--repetitions', '1', '--duration', '1', '--rate', '501', '--load-instances', '2', '--json-out', out], 50_000);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(lastLine(r.stdout), /^RESULT dhcp4 outpost=\d+ kea=\d+ ratio=\d+\.\d+ unit=exchanges\/s$/);
      type Counts = { sent: number; received: number };
      type T = { rate: number; discover: Counts; request: Counts; instances: { rate: number; command: string[]; discover: Counts; request: Counts }[] };
      const record = JSON.parse(readFileSync(out, 'utf8')) as { setup: { loadInstances: { clientAddress: string }[] }; runs: { contender: string; details: { trial: T } }[] };
      assert.deepEqual(record.setup.loadInstances.map((l) => l.clientAddress), ['198.18.0.2', '198.18.0.3']);
      assert.equal(record.runs.length, 2);
      for (const run of record.runs) {
        const t = run.details.trial;
        assert.deepEqual(t.instances.map((i) => i.rate), [251, 250], `${run.contender}: the rate split, remainder first`);
        assert.deepEqual(t.instances.map((i) => i.command[i.command.indexOf('-l') + 1]), ['198.18.0.2', '198.18.0.3'], 'one relay address each');
        assert.equal(new Set(t.instances.map((i) => i.command[i.command.indexOf('-b') + 1])).size, 2, 'distinct client MAC ranges');
        assert.equal(t.request.received, t.instances[0]!.request.received + t.instances[1]!.request.received, 'ACKs summed');
        assert.equal(t.discover.sent, t.instances[0]!.discover.sent + t.instances[1]!.discover.sent, 'DISCOVERs summed');
        assert.ok(t.request.received > 0 && t.instances.every((i) => i.request.received > 0), `${run.contender}: both instances completed exchanges`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('dhcp4-ha measures outpost-ha, outpost-standalone and kea-ha at a fixed rate and prints two RESULT lines, the kea one last', { timeout: 90_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-smoke-'));
    try {
      const out = join(dir, 'ha.json');
      const r = await bench(['dhcp4-ha', '--repetitions', '1', '--duration', '1', '--rate', '300', '--json-out', out], 80_000);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const lines = r.stdout.trimEnd().split('\n');
      const standaloneLine = /^RESULT dhcp4-ha-vs-standalone outpost=(\d+) outpost-standalone=(\d+) ratio=(\d+\.\d+) unit=exchanges\/s$/.exec(lines.at(-2) ?? '');
      const keaLine = /^RESULT dhcp4-ha outpost=(\d+) kea-ha=(\d+) ratio=(\d+\.\d+) unit=exchanges\/s$/.exec(lines.at(-1) ?? '');
      assert.ok(standaloneLine && keaLine, `last lines:\n${lines.slice(-2).join('\n')}`);
      assert.equal(standaloneLine[1], keaLine[1], 'the same outpost-ha figure in both');
      for (const m of [standaloneLine, keaLine]) {
        assert.ok(Number(m[1]) > 0 && Number(m[2]) > 0);
        assert.equal(Number(m[3]).toFixed(3), (Number(m[1]) / Number(m[2])).toFixed(3));
      }
      type T = { request: { received: number }; partnerCpuShare?: number; ready: Record<string, number> };
      const record = JSON.parse(readFileSync(out, 'utf8')) as { contenders: string[]; results: string[]; runs: { contender: string; details: { trial: T } }[] };
      assert.deepEqual(record.contenders, ['outpost-ha', 'outpost-standalone', 'kea-ha']);
      assert.deepEqual(record.results, lines.slice(-2));
      const trialOf = (c: string) => record.runs.find((run) => run.contender === c)!.details.trial;
      assert.ok(trialOf('outpost-ha').ready.bothNormalMs! >= 0, 'waited for both outpost servers in normal');
      assert.ok(trialOf('kea-ha').ready.bothHotStandbyMs! >= 0, 'waited for both kea servers in hot-standby');
      assert.ok(trialOf('outpost-ha').partnerCpuShare! > 0, "the standby's CPU is accounted");
      assert.equal(trialOf('outpost-standalone').partnerCpuShare, undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const name of ['dns-udp', 'dns-tcp']) {
    test(`${name} measures outpost against knot and prints a RESULT line from both figures, outpost answering the zone right`, { timeout: 60_000 }, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-smoke-'));
      try {
        const out = join(dir, 'dns.json');
        const r = await bench([name, '--repetitions', '1', '--duration', '1', '--rate', '2000', '--json-out', out], 50_000);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const m = new RegExp(`^RESULT ${name} outpost=(\\d+) knot=(\\d+) ratio=(\\d+\\.\\d+) unit=qps$`).exec(lastLine(r.stdout));
        assert.ok(m, lastLine(r.stdout));
        const [x, y, ratio] = [Number(m[1]), Number(m[2]), Number(m[3])];
        assert.ok(x > 0 && y > 0);
        // The figures are printed rounded to whole qps, the ratio (3 decimals) is of the unrounded medians.
        assert.ok(ratio + 0.0005 >= (x - 0.5) / (y + 0.5) && ratio - 0.0005 <= (x + 0.5) / (y - 0.5), `ratio ${ratio} is not ${x}/${y}`);
        const record = JSON.parse(readFileSync(out, 'utf8')) as { runs: { contender: string; details: { rcodes: Record<string, number> } }[] };
        const outpost = record.runs.find((run) => run.contender === 'outpost')!;
        assert.ok((outpost.details.rcodes['NOERROR'] ?? 0) > 0 && (outpost.details.rcodes['NXDOMAIN'] ?? 0) > 0, JSON.stringify(outpost.details.rcodes));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test('manager-scale at a small scale: PostgreSQL and the manager over the API, a RESULT line for each figure against its target, the page p99 last', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-smoke-'));
    try {
      const out = join(dir, 'manager-scale.json');
      const r = await bench(['manager-scale', '--scale', '0.01', '--json-out', out], 170_000);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const lines = r.stdout.trimEnd().split('\n').filter((l) => l.startsWith('RESULT '));
      assert.deepEqual(lines.map((l) => l.split(' ')[1]), [
        'manager-scale-subnet-import', 'manager-scale-address-import', 'manager-scale-next-free-subnet-p99',
        'manager-scale-next-free-address-p99', 'manager-scale-next-free-address-slash8-p99', 'manager-scale-render', 'manager-scale-page-p99',
      ]);
      assert.equal(lastLine(r.stdout), lines.at(-1));
      for (const l of lines) {
        const m = /^RESULT \S+ outpost=(\S+) target=(\S+) ratio=(\d+\.\d+) unit=(ms|s)$/.exec(l);
        assert.ok(m && Number(m[1]) > 0 && Number(m[2]) > 0, l);
      }
      const record = JSON.parse(readFileSync(out, 'utf8')) as { benchmark: string; result: string; results: string[]; setup: { subnets: number; addresses: number } };
      assert.deepEqual([record.benchmark, record.result, record.results], ['manager-scale', lines.at(-1), lines]);
      assert.ok(record.setup.subnets >= 1000 && record.setup.addresses === 10_000, JSON.stringify(record.setup));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
