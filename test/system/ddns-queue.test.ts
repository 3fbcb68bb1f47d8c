// The durable DNS change queue (src/storage/ddns-queue.ts): what it acknowledged is
// there after a reopen, ended changes are not; a torn last line (a crash mid-write) is
// dropped, a damaged line before the end skipped and counted; merges and compaction
// are durable; a child killed with SIGKILL while adding loses no acknowledged change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DDNS_QUEUE_FILE, FileDdnsQueue } from '../../src/storage/ddns-queue.js';
import type { DnsChange } from '../../src/protocol/ddns/change.js';

const change = (i: number, kind: 'add' | 'remove' = 'add'): DnsChange => ({
  kind, fqdn: `host-${i}.voice.example.com.`, address: `192.0.2.${i % 250}`, dhcid: Buffer.alloc(35, i % 256).toString('base64'), ttl: 200,
  forward: true, reverse: true, forwardZone: 'voice.example.com.', reverseZone: '2.0.192.in-addr.arpa.', server: { address: '203.0.113.53', port: 53 }, at: 1_700_000_000_000 + i,
});
const fqdns = (q: FileDdnsQueue) => [...q.backlog.pending()].map((p) => `${p.change.kind} ${p.change.fqdn}`);

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-ddns-queue-'));
  try { await fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

if (process.env.OUTPOST_DDNS_CRASH_CHILD) {
  // The child: adds changes from 16 workers; "A <i>" once add(i) resolved (durable); ends every third one.
  const { queue } = await FileDdnsQueue.open({ dir: process.env.OUTPOST_DDNS_CRASH_CHILD, compactLines: 200 });
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      await queue.add(change(i));
      writeSync(1, `A ${i}\n`);
      const own = [...queue.backlog.pending()].find((p) => p.change.fqdn === change(i).fqdn);
      if (i % 3 === 0 && own) await queue.done(own.seq);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

test('acknowledged changes survive a reopen; done and merged ones do not come back', async () => {
  await withDir(async (dir) => {
    let { queue, recovery } = await FileDdnsQueue.open({ dir });
    assert.deepEqual(recovery, { pending: 0, damaged: 0, tornBytes: 0 });
    await Promise.all([queue.add(change(1)), queue.add(change(2)), queue.add(change(3))]);
    await queue.add(change(2, 'remove')); // merges with the add of host-2: both gone
    await queue.done([...queue.backlog.pending()][0]!.seq);
    assert.equal(queue.backlog.merged, 2);
    await queue.close();
    ({ queue, recovery } = await FileDdnsQueue.open({ dir }));
    assert.deepEqual(fqdns(queue), ['add host-3.voice.example.com.']);
    assert.equal(recovery.pending, 1);
    // Sequence numbers go on from the highest seen.
    await queue.add(change(4));
    const seqs = [...queue.backlog.pending()].map((p) => p.seq);
    assert.ok(seqs[1]! > seqs[0]!, String(seqs));
    await queue.close();
  });
});

test('a torn last line (crash mid-write) is dropped; a damaged line before the end is skipped and counted', async () => {
  await withDir(async (dir) => {
    let { queue } = await FileDdnsQueue.open({ dir });
    for (let i = 1; i <= 4; i++) await queue.add(change(i));
    await queue.close();
    const path = join(dir, DDNS_QUEUE_FILE);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('host-2', 'host-X'); // checksum no longer matches
    const whole = lines.join('');
    writeFileSync(path, lines.join('\n'));
    appendFileSync(path, readFileSync(path, 'utf8').split('\n')[0]!.slice(0, 40)); // a write cut short
    let recovery;
    ({ queue, recovery } = await FileDdnsQueue.open({ dir }));
    assert.ok(whole.length > 0);
    assert.deepEqual(recovery, { pending: 3, damaged: 1, tornBytes: 40 });
    assert.deepEqual(fqdns(queue), [1, 3, 4].map((i) => `add host-${i}.voice.example.com.`));
    await queue.close();
    // The rewrite at open left a clean file.
    ({ queue, recovery } = await FileDdnsQueue.open({ dir }));
    assert.deepEqual(recovery, { pending: 3, damaged: 0, tornBytes: 0 });
    await queue.close();
  });
});

test('compaction rewrites the file once ended lines dominate, keeping every pending change', async () => {
  await withDir(async (dir) => {
    let { queue } = await FileDdnsQueue.open({ dir, compactLines: 50 });
    for (let i = 0; i < 200; i++) {
      await queue.add(change(i));
      if (i % 10 !== 0) await queue.done([...queue.backlog.pending()].at(-1)!.seq);
    }
    const lines = readFileSync(join(dir, DDNS_QUEUE_FILE), 'utf8').split('\n').length - 1;
    assert.ok(lines < 120, `${lines} lines after compaction`);
    await queue.close();
    ({ queue } = await FileDdnsQueue.open({ dir }));
    assert.equal(queue.backlog.size, 20);
    await queue.close();
  });
});

test('a child killed with SIGKILL while adding loses no acknowledged change', { timeout: 60_000 }, async () => {
  await withDir(async (dir) => {
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], { env: { ...process.env, OUTPOST_DDNS_CRASH_CHILD: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (s: string) => { out += s; });
      await new Promise((r) => setTimeout(r, 300 + round * 200));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      const acked = out.split('\n').filter((l) => l.startsWith('A ')).map((l) => Number(l.slice(2)));
      assert.ok(acked.length > 0, 'the child added changes');
      const { queue } = await FileDdnsQueue.open({ dir });
      const present = new Set([...queue.backlog.pending()].map((p) => p.change.fqdn));
      for (const i of acked.filter((n) => n % 3 !== 0)) assert.ok(present.has(`host-${i}.voice.example.com.`), `acknowledged host-${i} is there`);
      await queue.close();
      rmSync(join(dir, DDNS_QUEUE_FILE));
    }
  });
});
