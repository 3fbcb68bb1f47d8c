// Reload and NOTIFY in a real site daemon, in process on loopback (buildSiteDaemon):
// the command routes with the control token (in dns.dataDir on a server without
// DHCP); a newer serial served, journaled and NOTIFYed to a fake secondary that
// acknowledges; a file that does not load, and changed records without a newer serial,
// keep the old version; comments alone change nothing; after a restart the journal
// still answers IXFR, unless the file was edited while the daemon was down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSiteConfig } from '../../src/config/site-config.js';
import { systemClock } from '../../src/runtime/system-clock.js';
import { buildSiteDaemon } from '../../src/site/run.js';
import { decodeMessage, encodeMessage, Opcode, RRType, type DnsMessage, type SOAData } from '../../src/wire/dns/index.js';
import { message } from '../support/dns-fixture.js';
import { memoryLogger } from '../support/memory-log.js';

const zone = (serial: number, extra = '') => `$ORIGIN example.com.\n$TTL 3600\n@ SOA ns1 hostmaster ${serial} 3600 600 1209600 300\n@ NS ns1\nns1 A 127.0.0.1\n${Array.from({ length: 30 }, (_, i) => `h${i} A 192.0.2.${i + 1}`).join('\n')}\n${extra}`;

/** A fake secondary: answers every NOTIFY with NOERROR and remembers the serials. */
async function secondary(): Promise<{ socket: Socket; port: number; serials: number[] }> {
  const socket = createSocket('udp4');
  const serials: number[] = [];
  socket.on('message', (data, rinfo) => {
    const m = decodeMessage(data);
    if (m.flags.opcode !== Opcode.NOTIFY) return;
    serials.push((m.answers[0]!.data as SOAData).serial);
    socket.send(encodeMessage({ ...m, flags: { ...m.flags, qr: true }, answers: [] }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, serials };
}

/** One transfer over TCP: every message until the closing SOA. */
function transfer(port: number, type: number, serial?: number): Promise<DnsMessage[]> {
  const q = encodeMessage(message({
    id: 5, questions: [{ name: 'example.com.', type, class: 1 }],
    authorities: serial === undefined ? [] : [{ name: 'example.com.', type: RRType.SOA, class: 1, ttl: 0, data: { mname: '.', rname: '.', serial, refresh: 0, retry: 0, expire: 0, minimum: 0 } }],
  }));
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const framed = Buffer.alloc(q.length + 2);
    framed.writeUInt16BE(q.length);
    q.copy(framed, 2);
    s.write(framed);
    let buf = Buffer.alloc(0);
    const out: DnsMessage[] = [];
    let soas = 0;
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const m = decodeMessage(buf.subarray(2, 2 + buf.readUInt16BE(0)));
        buf = buf.subarray(2 + buf.readUInt16BE(0));
        out.push(m);
        soas += m.answers.filter((a) => a.type === RRType.SOA && (a.data as SOAData).serial === (out[0]!.answers[0]?.data as SOAData | undefined)?.serial).length;
        if (m.rcode !== 0 || soas >= 2 || (out.length === 1 && m.answers.length === 1)) {
          s.destroy();
          resolve(out);
        }
      }
    });
    s.on('error', reject);
    setTimeout(() => { s.destroy(); reject(new Error('transfer timed out')); }, 5000).unref();
  });
}

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('reload and NOTIFY through the command routes; refusals keep the old version; the journal outlives a restart', { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-dns-reload-'));
  const sec = await secondary();
  let running: { daemon: { stop(cause: string): Promise<unknown> } } | undefined;
  try {
    writeFileSync(join(dir, 'example.zone'), zone(1));
    const config = JSON.stringify({
      version: 1, site: { name: 'lab' }, server: { name: 'dns-1' }, status: { listen: '127.0.0.1', port: 0 },
      dns: {
        listen: [{ address: '127.0.0.1', port: 0 }], dataDir: 'data',
        zones: [{ name: 'example.com', type: 'primary', file: 'example.zone', allowTransfer: [{ from: ['127.0.0.1'] }], notify: [{ address: '127.0.0.1', port: sec.port }] }],
      },
    });
    const parsed = parseSiteConfig(config);
    assert.ok(parsed.ok);
    const start = async () => {
      const logger = memoryLogger();
      const built = buildSiteDaemon(parsed.loaded, logger.log, systemClock, dir);
      await built.daemon.start();
      const token = readFileSync(join(dir, 'data', 'control.token'), 'utf8').trim();
      const post = async (path: string, auth = true) => {
        const r = await fetch(`${built.status.url}${path}`, { method: 'POST', headers: auth ? { authorization: `Bearer ${token}` } : {} });
        return { status: r.status, body: await r.json() as Record<string, unknown> };
      };
      return { ...built, post, logger, port: built.dns!.ports.tcp[0]! };
    };

    let d = await start();
    running = d;
    await until(() => sec.serials.includes(1), 'the NOTIFY sent at start');
    assert.equal((await d.post('/dns/reload', false)).status, 401);
    assert.deepEqual((await d.post('/dns/reload')).body, { zones: [{ zone: 'example.com.', result: 'unchanged', serial: 1 }] });

    writeFileSync(join(dir, 'example.zone'), zone(2, 'new A 192.0.2.200\n'));
    const updated = await d.post('/dns/reload/example.com');
    assert.deepEqual([updated.status, updated.body], [200, { zones: [{ zone: 'example.com.', result: 'updated', serial: 2, previousSerial: 1, deleted: 0, added: 1 }] }]);
    await until(() => sec.serials.includes(2), 'the NOTIFY of serial 2');
    await until(() => d.logger.lines().some((l) => l.code === 'DNS_NOTIFY_ENDED' && l.serial === 2 && l.result === 'acknowledged'), 'the acknowledgement');
    const ixfr = (await transfer(d.port, RRType.IXFR, 1)).flatMap((m) => m.answers);
    assert.deepEqual(ixfr.map((a) => a.type === RRType.SOA ? `SOA ${(a.data as SOAData).serial}` : a.name), ['SOA 2', 'SOA 1', 'SOA 2', 'new.example.com.', 'SOA 2']);

    // Refused versions: the old one keeps serving.
    writeFileSync(join(dir, 'example.zone'), zone(3, 'broken A 999.0.0.1\n'));
    const invalid = await d.post('/dns/reload');
    assert.equal(invalid.status, 422);
    assert.match(JSON.stringify(invalid.body), /"result":"invalid".*999\.0\.0\.1/);
    writeFileSync(join(dir, 'example.zone'), zone(2, 'new A 192.0.2.201\n'));
    const same = await d.post('/dns/reload');
    assert.match(JSON.stringify(same.body), /"result":"serial-not-increased","serial":2/);
    assert.ok(d.logger.codes().includes('DNS_ZONE_SERIAL_NOT_INCREASED'));
    assert.ok(d.logger.lines().some((l) => l.code === 'DNS_ZONE_FILE_INVALID' && l.kept === 2));
    writeFileSync(join(dir, 'example.zone'), `; a comment\n${zone(2, 'new A 192.0.2.200\n')}`);
    assert.match(JSON.stringify((await d.post('/dns/reload')).body), /"result":"unchanged"/);
    assert.deepEqual((await transfer(d.port, RRType.AXFR)).flatMap((m) => m.answers).find((a) => a.name === 'new.example.com.')?.data, { address: '192.0.2.200' });
    assert.deepEqual((await d.post('/dns/notify/example.com')).body, { zone: 'example.com.', serial: 2, servers: [`127.0.0.1#${sec.port}`] });
    assert.equal((await d.post('/dns/notify/example.org')).status, 404);
    assert.equal((await d.post('/dns/reload/example.org')).status, 404);
    const metrics = await (await fetch(`${d.status.url}/metrics`)).text();
    assert.match(metrics, /outpost_dns_reloads_total\{result="updated"\} 1/);
    assert.match(metrics, /outpost_dns_ixfr_versions\{zone="example.com."\} 1/);
    await d.daemon.stop('test');

    // Restart with the file as the journal's last version has it: IXFR from serial 1 is still incremental.
    writeFileSync(join(dir, 'example.zone'), zone(2, 'new A 192.0.2.200\n'));
    d = running = await start();
    const again = (await transfer(d.port, RRType.IXFR, 1)).flatMap((m) => m.answers);
    assert.equal(again[1]!.type, RRType.SOA, `incremental after a restart: ${d.logger.codes().join(' ')}`);
    await d.daemon.stop('test');

    // Edited while down: the journal is reset, IXFR from 1 gets the whole zone.
    writeFileSync(join(dir, 'example.zone'), zone(3, 'new A 192.0.2.200\nmore A 192.0.2.202\n'));
    d = running = await start();
    assert.ok(d.logger.codes().includes('DNS_JOURNAL_RESET'));
    const reset = (await transfer(d.port, RRType.IXFR, 1)).flatMap((m) => m.answers);
    assert.notEqual(reset[1]!.type, RRType.SOA);
    await d.daemon.stop('test');
  } finally {
    await running?.daemon.stop('test');
    sec.socket.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
