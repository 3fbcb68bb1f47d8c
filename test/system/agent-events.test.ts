// The site's event path end to end with the real `outpost site run` on 127.0.0.1:
// phone backups stored over HTTP (PUT) and TFTP (WRQ) are reported upstream through the
// agent's outbox. The first manager listed is down, so the agent follows the second.
// While the manager is unreachable the site keeps storing backups and the events wait
// in the outbox — through a kill -9 of the daemon; once the manager is back every event
// arrives exactly once, in order, although its first answer is lost (the batch is sent
// again and the duplicates skipped). A wrong token, a garbage answer and a manager that
// says it is not the active one are failures the agent reports and retries; nothing is
// lost or acknowledged early. `outpost agent status` shows the state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePacket, encodePacket } from '../../src/wire/tftp/index.js';
import { startChild, type Child } from '../support/child.js';
import { EventReceiver } from '../support/event-receiver.js';
import { outpostBin } from '../support/paths.js';
import { freeTcpPort } from '../support/ports.js';

const TOKEN = 'site-branch-7-credential-0123456789';

interface Running { child: Child; status: string; http: string; tftp: number }

async function startSite(configPath: string): Promise<Running> {
  const child = startChild(process.execPath, [outpostBin, 'site', 'run', '--config', configPath]);
  const status = (await child.waitFor(/"code":"STATUS_LISTENING".*?"url":"([^"]+)"/))[1]!;
  const http = (await child.waitFor(/"code":"FILES_HTTP_LISTENING".*?"port":(\d+)/))[1]!;
  const tftp = (await child.waitFor(/"code":"FILES_TFTP_LISTENING".*?"port":(\d+)/))[1]!;
  await child.waitFor(/"code":"SITE_READY"/);
  return { child, status, http: `http://127.0.0.1:${http}`, tftp: Number(tftp) };
}

async function agentStatus(site: Running): Promise<{ state: string; manager: string | null; lastError: { reason: string } | null; outbox: { pending: number; acked: number; stream: string } }> {
  return (await fetch(`${site.status}/agent`)).json() as never;
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function put(site: Running, device: string, body: string): Promise<void> {
  const r = await fetch(`${site.http}/backup/${device}.cfg`, { method: 'PUT', body });
  assert.ok(r.status === 201 || r.status === 204, `PUT ${device}: ${r.status}`);
}

/** Writes one small file by TFTP (one DATA block), lockstep. */
async function tftpWrite(port: number, filename: string, content: Buffer): Promise<void> {
  assert.ok(content.length < 512);
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  try {
    const next = () => new Promise<{ p: ReturnType<typeof decodePacket>; port: number }>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no TFTP answer')), 5000);
      socket.once('message', (m, rinfo) => { clearTimeout(t); resolve({ p: decodePacket(m), port: rinfo.port }); });
    });
    let answer = next();
    socket.send(encodePacket({ op: 'wrq', filename, mode: 'octet', options: [] }), port, '127.0.0.1');
    const ack0 = await answer;
    assert.deepEqual([ack0.p.op, (ack0.p as { block: number }).block], ['ack', 0]);
    answer = next();
    socket.send(encodePacket({ op: 'data', block: 1, data: content }), ack0.port, '127.0.0.1');
    const ack1 = await answer;
    assert.deepEqual([ack1.p.op, (ack1.p as { block: number }).block], ['ack', 1]);
  } finally {
    socket.close();
  }
}

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

test('phone backups reach the manager through the outbox: across an outage and a kill -9, exactly once, in order', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-agent-events-'));
  const receiver = new EventReceiver(TOKEN);
  let site: Running | undefined;
  try {
    mkdirSync(join(dir, 'root'));
    writeFileSync(join(dir, 'agent.token'), `${TOKEN}\n`, { mode: 0o600 });
    await receiver.start();
    const config = {
      version: 1,
      site: { name: 'branch-7' },
      server: { name: 'branch-7-a' },
      status: { listen: '127.0.0.1', port: 0 },
      files: {
        root: 'root', dataDir: 'files-data',
        http: { listen: [{ address: '127.0.0.1', port: 0 }], uploads: { paths: ['backup/'] }, accessLog: false },
        tftp: { listen: [{ address: '127.0.0.1', port: 0 }], writable: ['backup/'] },
      },
      agent: {
        managers: [{ url: `http://127.0.0.1:${await freeTcpPort()}` }, { url: receiver.url }],
        tokenFile: 'agent.token', dataDir: 'agent-data',
        outbox: { maxBytes: 8 * 1024 * 1024, segmentBytes: 64 * 1024 },
        delivery: { batchEvents: 7, retryMin: 1, retryMax: 1, timeout: 5 },
      },
    };
    const configPath = join(dir, 'site.json');
    writeFileSync(configPath, JSON.stringify(config));
    site = await startSite(configPath);

    // 1. Connected: three backups arrive, from the second manager listed.
    for (let i = 0; i < 3; i++) await put(site, `SEP00000000000${i}`, `<backup n="${i}"/>`);
    await until('3 events', () => receiver.all().length === 3);
    const first = await agentStatus(site);
    assert.equal(first.manager, receiver.url);
    assert.deepEqual(receiver.all().map((e) => [e.seq, e.kind, e.data.path, e.data.sha256, e.data.protocol]), [0, 1, 2].map((i) => [i + 1, 'files.upload', `backup/SEP00000000000${i}.cfg`, sha(`<backup n="${i}"/>`), 'http']));

    // 2. The manager is unreachable: the site goes on storing backups (HTTP and TFTP); events wait.
    await receiver.stop();
    for (let i = 3; i < 23; i++) await put(site, `SEP0000000000${String(i).padStart(2, '0')}`, `<backup n="${i}"/>`);
    await tftpWrite(site.tftp, 'backup/SEP000000000099.cfg', Buffer.from('<tftp backup/>'));
    const waiting = await until('21 pending', async () => { const s = await agentStatus(site!); return s.outbox.pending === 21 && s.state === 'backoff' ? s : undefined; });
    assert.equal(waiting.lastError?.reason, 'unreachable');

    // 3. kill -9 during the outage, start again: the events are still there.
    site.child.kill();
    await site.child.exit();
    site = await startSite(configPath);
    const restarted = await agentStatus(site);
    assert.equal(restarted.outbox.pending, 21);
    assert.equal(restarted.outbox.stream, first.outbox.stream);

    // 4. The manager answers garbage, then says it is not active, then refuses the token: nothing is acknowledged.
    receiver.mode = 'garbage';
    await receiver.start();
    await until('a garbage answer', async () => (await agentStatus(site!)).lastError?.reason === 'bad-answer' || undefined);
    receiver.mode = 'not-active';
    await until('not-active', async () => (await agentStatus(site!)).lastError?.reason === 'not-active' || undefined);
    receiver.mode = 'ok';
    writeFileSync(join(dir, 'agent.token'), 'a-wrong-token-of-some-length\n');
    await until('unauthorized', async () => (await agentStatus(site!)).lastError?.reason === 'unauthorized' || undefined);
    assert.equal((await agentStatus(site)).outbox.pending, 21, 'nothing acknowledged by failed answers');

    // 5. The right token again, and the first answer is lost: every event arrives once, in order.
    receiver.mode = 'lose-answer';
    writeFileSync(join(dir, 'agent.token'), `${TOKEN}\n`);
    await until('24 events', () => receiver.all().length >= 24 && (receiver.mode === 'ok'));
    await until('all acknowledged', async () => (await agentStatus(site!)).outbox.pending === 0 || undefined);
    const events = receiver.all();
    assert.deepEqual(events.map((e) => e.seq), Array.from({ length: 24 }, (_, i) => i + 1), 'every number once, in order');
    assert.deepEqual(events.slice(0, 23).map((e) => e.data.path), Array.from({ length: 23 }, (_, i) => `backup/SEP${String(i).padStart(12, '0')}.cfg`));
    assert.deepEqual(events[23]!.data, { protocol: 'tftp', path: 'backup/SEP000000000099.cfg', bytes: 14, sha256: sha('<tftp backup/>'), client: '127.0.0.1', replaced: false });
    assert.ok(receiver.duplicates > 0, 'the batch whose answer was lost was sent again and its events skipped');
    assert.equal(receiver.stored.size, 1, 'one stream');
    assert.deepEqual(receiver.gaps, []);

    // 6. What /metrics says.
    const metrics = await (await fetch(`${site.status}/metrics`)).text();
    assert.match(metrics, /^outpost_agent_outbox_events 0$/m);
    assert.match(metrics, /^outpost_agent_events_delivered_total 21$/m); // since the restart
    assert.match(metrics, /^outpost_agent_delivery_failures_total\{reason="unauthorized"\} [1-9]/m);
    assert.match(metrics, /^outpost_agent_delivery_state\{state="idle"\} 1$/m);

    // 7. And the CLI.
    const cli = spawnSync(process.execPath, [outpostBin, 'agent', 'status', '--url', site.status], { encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /^STATE\s+MANAGER\s+LAST-CONTACT\s+PENDING/m);
    assert.match(cli.stdout, new RegExp(`^idle\\s+${receiver.url.replace(/\./g, '\\.')}\\s+\\S+ ago\\s+0\\s+-\\s+21\\s+0$`, 'm'));
    assert.match(cli.stdout, /acknowledged up to 24,/);
  } finally {
    site?.child.kill();
    await site?.child.exit().catch(() => undefined);
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
