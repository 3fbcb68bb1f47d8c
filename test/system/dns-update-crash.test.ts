// An accepted DNS UPDATE survives kill -9 (docs/dns.md "DNS UPDATE"). A real site
// daemon (the CLI, in a child process) serves example.com from a zone file on
// 127.0.0.1; this test sends it signed UPDATEs one after the other — adds, and deletes
// of names added before — and SIGKILLs it at a seeded random moment: right after an
// answer, with an update in flight, or after a pause long enough for the zone file to
// be rewritten. ixfrHistory is 3, so the journal compacts (and the file is rewritten
// first) every few updates. After each restart every acknowledged change is served
// and the serial is the last acknowledged one (or one more: the update in flight was
// applied, and then it is served too). A last clean stop leaves a zone file that holds
// exactly the records served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { updateMessage } from '../../src/protocol/ddns/update-message.js';
import { loadZoneText } from '../../src/protocol/dns/zone-load.js';
import { decodeMessage, encodeMessage, Rcode, RRClass, RRType, signMessage, type ResourceRecord, type SOAData, type TsigKey } from '../../src/wire/dns/index.js';
import { message } from '../support/dns-fixture.js';
import { seededRandom } from '../support/random.js';

const OUTPOST = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const CYCLES = 6;
const SEED = 20261201;
const KEY: TsigKey = { name: 'upd-key.', algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 0x5a) };
const ZONE = `$ORIGIN example.com.
$TTL 300
@    SOA  ns1 hostmaster 1 3600 600 1209600 300
@    NS   ns1
ns1  A    127.0.0.1
`;

interface Daemon {
  readonly child: ChildProcess;
  readonly port: number;
  readonly exited: Promise<void>;
}

/** Log codes of every daemon run, with the cause of zone file writes ("DNS_ZONE_WRITTEN journal-compaction"). */
const seen = new Set<string>();

async function start(config: string): Promise<Daemon> {
  const child = spawn(process.execPath, [OUTPOST, 'site', 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no DNS_LISTENING within 20 s: ${stderr}`)), 20_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as { code?: string; cause?: string };
      if (entry.code) seen.add(entry.cause ? `${entry.code} ${entry.cause}` : entry.code);
      if (!line.includes('"DNS_LISTENING"')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { listen: { udp: number }[] }).listen[0]!.udp);
    });
    child.once('exit', (code) => reject(new Error(`the daemon exited (${code}) before listening: ${stderr}`)));
  });
  return { child, port, exited };
}

function exchange(port: number, query: Buffer, timeoutMs = 5000): Promise<Buffer> {
  const s = createSocket('udp4');
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    s.once('message', (m) => { clearTimeout(timer); resolve(m); });
    s.send(query, port, '127.0.0.1');
  }).finally(() => s.close());
}

const a = (name: string, address: string): ResourceRecord => ({ name, type: RRType.A, class: RRClass.IN, ttl: 300, data: { address } });
/** Class ANY, type ANY: as a prerequisite "the name is in use", as an update "delete every RRset of the name". */
const anyAt = (name: string): ResourceRecord => ({ name, type: RRType.ANY, class: RRClass.ANY, ttl: 0, data: { opaque: Buffer.alloc(0) } });

async function update(port: number, id: number, prereqs: ResourceRecord[], updates: ResourceRecord[]): Promise<number> {
  const wire = signMessage(encodeMessage(updateMessage(id, 'example.com.', prereqs, updates)), KEY, { now: Math.floor(Date.now() / 1000) }).message;
  return decodeMessage(await exchange(port, wire)).rcode;
}

async function lookup(port: number, name: string, type: number): Promise<{ rcode: number; answers: readonly ResourceRecord[] }> {
  const m = decodeMessage(await exchange(port, encodeMessage(message({ id: 1, questions: [{ name, type, class: 1 }] }))));
  return { rcode: m.rcode, answers: m.answers };
}

async function kill(d: Daemon): Promise<void> {
  d.child.kill('SIGKILL');
  await d.exited;
}

test('every acknowledged DNS UPDATE is served after kill -9 at random moments, through journal compaction and zone file rewrites', { timeout: 180_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-dns-update-crash-'));
  const random = seededRandom(SEED);
  const zoneFile = join(dir, 'example.com.zone');
  writeFileSync(zoneFile, ZONE);
  const config = join(dir, 'site.json');
  writeFileSync(config, JSON.stringify({
    version: 1, site: { name: 'crash' }, server: { name: 'dns-1' }, status: { port: 0 },
    dns: {
      listen: [{ address: '127.0.0.1', port: 0 }], dataDir: 'data',
      keys: [{ name: 'upd-key', algorithm: 'hmac-sha256', secret: KEY.secret.toString('base64') }],
      zones: [{ name: 'example.com', type: 'primary', file: 'example.com.zone', ixfrHistory: 3, allowUpdate: [{ key: 'upd-key', names: ['*.example.com'], types: ['A'] }] }],
    },
  }));
  // What the server acknowledged: name → address (present), or null (deleted).
  const expected = new Map<string, string | null>();
  let serial = 1;
  let next = 0;
  let daemon: Daemon | undefined;
  const check = async (inFlight: { name: string; address: string | null } | undefined, why: string) => {
    const soa = await lookup(daemon!.port, 'example.com.', RRType.SOA);
    const served = (soa.answers[0]!.data as SOAData).serial;
    const applied = served === serial + 1 && inFlight !== undefined;
    assert.ok(served === serial || applied, `${why}: serial ${served}, acknowledged ${serial}${inFlight ? ' (+1 in flight)' : ''}`);
    if (applied) {
      expected.set(inFlight.name, inFlight.address);
      serial = served;
    }
    for (const [name, address] of expected) {
      const r = await lookup(daemon!.port, name, RRType.A);
      if (address === null) assert.equal(r.rcode, Rcode.NXDOMAIN, `${why}: ${name} was deleted`);
      else assert.deepEqual(r.answers.map((x) => (x.data as { address: string }).address), [address], `${why}: ${name} was added`);
    }
  };
  try {
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      daemon = await start(config);
      await check(undefined, `after restart ${cycle}`);
      const updates = 5 + Math.floor(random() * 40);
      let inFlight: { name: string; address: string | null } | undefined;
      for (let i = 0; i < updates; i++) {
        const live = [...expected].filter(([, v]) => v !== null).map(([k]) => k);
        const del = live.length > 3 && random() < 0.25;
        const name = del ? live[Math.floor(random() * live.length)]! : `h${next++}.example.com.`;
        const address = del ? null : `192.0.2.${1 + (next % 250)}`;
        const sent = update(daemon.port, i, del ? [anyAt(name)] : [], [del ? anyAt(name) : a(name, address!)]);
        if (i === updates - 1 && random() < 0.4) {
          inFlight = { name, address };
          sent.catch(() => undefined);
          break; // killed with this one in flight
        }
        assert.equal(await sent, Rcode.NOERROR, `update ${i} of cycle ${cycle}`);
        expected.set(name, address);
        serial++;
      }
      if (!inFlight && random() < 0.4) await new Promise((r) => setTimeout(r, 2500)); // past the zone file rewrite delay
      await kill(daemon);
      daemon = await start(config);
      await check(inFlight, `after kill -9 in cycle ${cycle}`);
      await kill(daemon);
      daemon = undefined;
    }
    // A clean stop writes the zone file: it holds what was served.
    daemon = await start(config);
    await check(undefined, 'before the clean stop');
    daemon.child.kill('SIGTERM');
    await daemon.exited;
    daemon = undefined;
    for (const code of ['DNS_JOURNAL_REPLAYED', 'DNS_ZONE_WRITTEN journal-compaction', 'DNS_ZONE_WRITTEN updates', 'DNS_ZONE_WRITTEN stop']) assert.ok(seen.has(code), `${code} happened: ${[...seen].join(', ')}`);
    assert.ok(!seen.has('DNS_JOURNAL_RESET'), 'the journal always fitted the file');
    const { zone } = loadZoneText(readFileSync(zoneFile, 'utf8'), { origin: 'example.com', file: zoneFile, readInclude: () => { throw new Error('no includes'); } });
    assert.equal(zone.serial, serial);
    for (const [name, address] of expected) {
      assert.deepEqual((zone.node(name)?.rrsets.get(RRType.A)?.data ?? []).map((d) => (d as { address: string }).address), address === null ? [] : [address], `${name} in the zone file`);
    }
  } finally {
    if (daemon) await kill(daemon);
    rmSync(dir, { recursive: true, force: true });
  }
});
