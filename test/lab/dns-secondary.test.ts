// Issue 5 acceptance, secondary zones: the real `outpost site run` is a secondary of a
// BIND primary and of a Knot primary, each in its own namespace on one switch. The first
// copy comes by AXFR; a change at the primary (its file edited, `rndc reload` /
// `knotc zone-reload`) comes by NOTIFY and IXFR; a primary that will not give IXFR
// (BIND `provide-ixfr no`, Knot `provide-ixfr: off`) is followed by AXFR; a primary
// whose serial went backwards is not followed until `outpost dns retransfer`. Then
// survivability: cut off from its primary past the SOA expire, the zone with expiry
// never keeps answering (flagged stale) and the one with expiry soa answers SERVFAIL;
// restarted while still cut off it answers the first from disk at once; healed, it
// catches up by IXFR and is no longer stale.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { labUnavailableReason, missingPrograms, withLab, type Lab } from './index.js';
import type { Netns } from './netns.js';
import type { LabProcess } from './process.js';
import { logLines, until } from './support/dns-lab.js';

const skip = labUnavailableReason() ?? false;
const OUTPOST = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const US = '192.0.2.53';
const PRIMARY = '192.0.2.1';
const CLIENT = '192.0.2.20';
const STATUS_PORT = 9180;

const zoneText = (origin: string, serial: number, timers: string, hosts: Record<string, string>) => `$ORIGIN ${origin}.
$TTL 300
@     SOA  ns1 hostmaster ${serial} ${timers}
@     NS   ns1
ns1   A    ${PRIMARY}
${Object.entries(hosts).map(([h, a]) => `${h.padEnd(5)} A    ${a}`).join('\n')}
`;

interface Site {
  us: Netns;
  primary: Netns;
  client: Netns;
  dir: string;
  daemon: LabProcess;
  start(): Promise<void>;
  dig(name: string, type?: string, ...flags: string[]): Promise<{ status: string; answers: string[]; expire?: number }>;
  status(): Promise<Record<string, { state: string; serial?: number; stale: boolean; serving: boolean; expiresIn?: number }>>;
  metrics(): Promise<string>;
  cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>;
  /** Log lines (JSON) with this code since the daemon started. */
  lines(code: string): Record<string, unknown>[];
}

/** A switch with the primary, our secondary and a client on it; Outpost configured with `zones` (and `dns`: more of the dns section, keys). */
async function site(lab: Lab, zones: unknown[], dns: Record<string, unknown> = {}): Promise<Site> {
  const sw = await lab.namespace('switch');
  const bridge = await lab.bridge(sw);
  const us = await lab.namespace('outpost');
  const primary = await lab.namespace('primary');
  const client = await lab.namespace('client');
  await lab.attach(bridge, us, { address: `${US}/24` });
  await lab.attach(bridge, primary, { address: `${PRIMARY}/24` });
  await lab.attach(bridge, client, { address: `${CLIENT}/24` });
  const dir = await lab.tempDir();
  const config = join(dir, 'site.json');
  writeFileSync(config, JSON.stringify({
    version: 1, site: { name: 'lab' }, server: { name: 'branch-dns' }, status: { listen: '127.0.0.1', port: STATUS_PORT },
    dns: { listen: [{ address: '0.0.0.0' }], dataDir: 'data', zones, ...dns },
  }));
  const s: Site = {
    us, primary, client, dir, daemon: undefined as unknown as LabProcess,
    async start() {
      s.daemon = us.spawn(process.execPath, [OUTPOST, 'site', 'run', '--config', config]);
      await s.daemon.waitForLine(/"code":"DNS_LISTENING"/, 20_000);
    },
    async dig(name, type = 'A', ...flags) {
      const r = await client.run('dig', [`@${US}`, '+norec', '+time=2', '+tries=1', ...flags, name, type], { timeoutMs: 10_000 });
      const status = /status: (\w+)/.exec(r.stdout)?.[1] ?? `no answer (${r.stdout}${r.stderr})`;
      const m = /;; ANSWER SECTION:\n([\s\S]*?)(?:\n\n|$)/.exec(r.stdout);
      const expire = /; EXPIRE: (\d+)/.exec(r.stdout)?.[1];
      return { status, answers: (m?.[1] ?? '').split('\n').filter(Boolean).map((l) => l.split(/\s+/).at(-1)!), ...(expire !== undefined ? { expire: Number(expire) } : {}) };
    },
    async status() {
      const r = await s.cli('dns', 'status', '--json');
      assert.equal(r.code, 0, r.stderr);
      const body = JSON.parse(r.stdout) as { zones: { zone: string; state: string; serial?: number; stale: boolean; serving: boolean; expiresIn?: number }[] };
      return Object.fromEntries(body.zones.map((z) => [z.zone, z]));
    },
    async metrics() {
      return us.exec('curl', ['-sf', `http://127.0.0.1:${STATUS_PORT}/metrics`]);
    },
    async cli(...args) {
      const r = await us.run(process.execPath, [OUTPOST, ...args, '--config', config], { timeoutMs: 20_000 });
      return { code: r.code, stdout: r.stdout, stderr: r.stderr };
    },
    lines(code) {
      return logLines(s.daemon, code);
    },
  };
  await s.start();
  return s;
}

const transferred = (s: Site, zone: string, serial: number) =>
  until(`${zone} serial ${serial} transferred`, async () => s.lines('DNS_SECONDARY_TRANSFERRED').find((l) => l.zone === zone && l.serial === serial));

// — BIND —

/**
 * named as the primary: voice.example.com (with IXFR from differences) and, without a
 * TSIG key, back.example.com; `noIxfr` refuses us IXFR; `xfrSecret` requires that key
 * for transfers and signs NOTIFY and transfers to us with it.
 */
function bindConfig(dir: string, rndcSecret: string, o: { noIxfr?: boolean; xfrSecret?: string } = {}): string {
  return `key "rndc-key" { algorithm hmac-sha256; secret "${rndcSecret}"; };
${o.xfrSecret ? `key "xfr-key" { algorithm hmac-sha256; secret "${o.xfrSecret}"; };\n` : ''}controls { inet 127.0.0.1 port 953 allow { 127.0.0.1; } keys { "rndc-key"; }; };
options {
    directory "${dir}";
    pid-file "${join(dir, 'named.pid')}";
    session-keyfile "${join(dir, 'session.key')}";
    listen-on { ${PRIMARY}; 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    dnssec-validation no;
    notify explicit;
    also-notify { ${US}; };
    allow-transfer { ${o.xfrSecret ? 'key "xfr-key"' : US}; };
};
${o.noIxfr ? `server ${US} { provide-ixfr no; };\n` : ''}${o.xfrSecret ? `server ${US} { keys { "xfr-key"; }; };\n` : ''}zone "voice.example.com" { type primary; file "voice.zone"; ixfr-from-differences yes; };
${o.xfrSecret ? '' : 'zone "back.example.com" { type primary; file "back.zone"; };\n'}`;
}

test('secondary of BIND: AXFR first, NOTIFY then IXFR on a change, AXFR when BIND will not give IXFR, a serial gone backwards needs retransfer', { skip, timeout: 180_000 }, async () => {
  assert.deepEqual(missingPrograms(['named', 'rndc', 'dig', 'curl']), []);
  await withLab({ tag: 'dns-sec-bind' }, async (lab) => {
    const TIMERS = '3600 600 86400 60';
    const s = await site(lab, [
      { name: 'voice.example.com', type: 'secondary', primaries: [{ address: PRIMARY }], expiry: 'never' },
      { name: 'back.example.com', type: 'secondary', primaries: [{ address: PRIMARY }] },
    ]);
    const bind = join(await lab.tempDir(), 'bind');
    mkdirSync(bind);
    const secret = randomBytes(32).toString('base64');
    writeFileSync(join(bind, 'rndc.conf'), `key "rndc-key" { algorithm hmac-sha256; secret "${secret}"; };\noptions { default-key "rndc-key"; default-server 127.0.0.1; default-port 953; };\n`);
    const rndc = (...args: string[]) => s.primary.exec('rndc', ['-c', join(bind, 'rndc.conf'), ...args]);
    writeFileSync(join(bind, 'named.conf'), bindConfig(bind, secret));
    writeFileSync(join(bind, 'voice.zone'), zoneText('voice.example.com', 2026113001, TIMERS, { pbx: '192.0.2.10' }));
    writeFileSync(join(bind, 'back.zone'), zoneText('back.example.com', 10, TIMERS, { pbx: '192.0.2.10' }));
    const named = s.primary.spawn('named', ['-g', '-c', join(bind, 'named.conf')]);
    await named.waitForLine(/running$/, 20_000);

    // The first copy: AXFR (BIND's NOTIFY at start, or our retry, brings it).
    await until('voice transferred', async () => (await s.dig('pbx.voice.example.com')).answers[0] === '192.0.2.10' || undefined, 60_000);
    await transferred(s, 'voice.example.com.', 2026113001);
    assert.equal(s.lines('DNS_SECONDARY_TRANSFERRED').find((l) => l.zone === 'voice.example.com.')!.kind, 'axfr');

    // A change: NOTIFY → SOA → IXFR.
    writeFileSync(join(bind, 'voice.zone'), zoneText('voice.example.com', 2026113002, TIMERS, { pbx: '192.0.2.10', fax: '192.0.2.11' }));
    await rndc('reload', 'voice.example.com');
    const ixfr = await transferred(s, 'voice.example.com.', 2026113002);
    assert.equal(ixfr.kind, 'ixfr', JSON.stringify(ixfr));
    assert.ok(s.lines('DNS_NOTIFY_RECEIVED').some((l) => l.zone === 'voice.example.com.' && l.serial === 2026113002), 'BIND\'s NOTIFY was answered');
    assert.deepEqual((await s.dig('fax.voice.example.com')).answers, ['192.0.2.11']);
    await named.waitForLine(/notify to 192\.0\.2\.53#53: retries exceeded|zone voice\.example\.com\/IN: sending notifies \(serial 2026113002\)/, 5_000);
    assert.doesNotMatch(named.output(), /notify to 192\.0\.2\.53#53: retries exceeded/, 'our NOTIFY answers satisfy BIND');

    // BIND will not give us IXFR: we take the whole zone by AXFR instead.
    writeFileSync(join(bind, 'named.conf'), bindConfig(bind, secret, { noIxfr: true }));
    await rndc('reconfig');
    writeFileSync(join(bind, 'voice.zone'), zoneText('voice.example.com', 2026113003, TIMERS, { pbx: '192.0.2.10', fax: '192.0.2.12' }));
    await rndc('reload', 'voice.example.com');
    const axfr = await transferred(s, 'voice.example.com.', 2026113003);
    assert.equal(axfr.kind, 'axfr');
    assert.ok(s.lines('DNS_SECONDARY_IXFR_FALLBACK').some((l) => l.zone === 'voice.example.com.'));
    assert.deepEqual((await s.dig('fax.voice.example.com')).answers, ['192.0.2.12']);
    assert.match(await s.metrics(), /outpost_dns_zone_transfers_total\{zone="voice\.example\.com\.",kind="ixfr"\} 1/);

    // The serial goes backwards at the primary (a restored backup): not followed, a warning; retransfer takes it.
    await transferred(s, 'back.example.com.', 10);
    writeFileSync(join(bind, 'back.zone'), zoneText('back.example.com', 7, TIMERS, { pbx: '192.0.2.77' }));
    await rndc('reload', 'back.example.com');
    const warning = await until('serial backwards', async () => s.lines('DNS_SECONDARY_SERIAL_BACKWARDS').find((l) => l.zone === 'back.example.com.'));
    assert.deepEqual([warning.ours, warning.theirs], [10, 7]);
    assert.deepEqual((await s.dig('pbx.back.example.com')).answers, ['192.0.2.10'], 'our copy stays');
    const r = await s.cli('dns', 'retransfer', 'back.example.com');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /back\.example\.com\.: full transfer started/);
    await transferred(s, 'back.example.com.', 7);
    assert.deepEqual((await s.dig('pbx.back.example.com')).answers, ['192.0.2.77']);

    const table = await s.cli('dns', 'status');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ZONE\s+ROLE\s+STATE\s+SERIAL\s+LAST-REFRESH\s+EXPIRES-IN\s+EXPIRY\s+STALE\s+SERVING$/m);
    assert.match(table.stdout, /^voice\.example\.com\.\s+secondary\s+fresh\s+2026113003\s+\S+ ago\s+\d+h\s+never\s+no\s+yes$/m);
  });
});

// — BIND with TSIG —


test('secondary of BIND requiring a TSIG key: signed AXFR, signed NOTIFY then signed IXFR; with a wrong secret the NOTIFY and the transfer fail, logged, the copy kept', { skip, timeout: 180_000 }, async () => {
  assert.deepEqual(missingPrograms(['named', 'rndc', 'dig', 'curl']), []);
  await withLab({ tag: 'dns-sec-tsig' }, async (lab) => {
    const TIMERS = '3600 600 86400 60';
    const xfrSecret = randomBytes(32).toString('base64');
    const zones = [{ name: 'voice.example.com', type: 'secondary', primaries: [{ address: PRIMARY, key: 'xfr-key' }] }];
    const s = await site(lab, zones, { keys: [{ name: 'xfr-key', algorithm: 'hmac-sha256', secret: xfrSecret }] });
    const bind = join(await lab.tempDir(), 'bind');
    mkdirSync(bind);
    const secret = randomBytes(32).toString('base64');
    writeFileSync(join(bind, 'rndc.conf'), `key "rndc-key" { algorithm hmac-sha256; secret "${secret}"; };\noptions { default-key "rndc-key"; default-server 127.0.0.1; default-port 953; };\n`);
    const rndc = (...args: string[]) => s.primary.exec('rndc', ['-c', join(bind, 'rndc.conf'), ...args]);
    writeFileSync(join(bind, 'named.conf'), bindConfig(bind, secret, { xfrSecret }));
    writeFileSync(join(bind, 'voice.zone'), zoneText('voice.example.com', 1, TIMERS, { pbx: '192.0.2.10' }));
    const named = s.primary.spawn('named', ['-g', '-c', join(bind, 'named.conf')]);
    await named.waitForLine(/running$/, 20_000);

    // BIND refuses unsigned transfers: the one we get is signed.
    const plain = await s.client.run('dig', [`@${PRIMARY}`, '+time=2', '+tries=1', 'voice.example.com', 'AXFR'], { timeoutMs: 10_000 });
    assert.match(plain.stdout, /Transfer failed/, 'an unsigned AXFR is refused');
    assert.equal((await transferred(s, 'voice.example.com.', 1)).kind, 'axfr');
    assert.deepEqual((await s.dig('pbx.voice.example.com')).answers, ['192.0.2.10']);
    assert.match(named.output(), /192\.0\.2\.53#\d+\/key xfr-key .*transfer of 'voice\.example\.com\/IN': AXFR started: TSIG xfr-key/);

    // A change: BIND's NOTIFY, signed, is accepted and answered signed; the IXFR is signed.
    writeFileSync(join(bind, 'voice.zone'), zoneText('voice.example.com', 2, TIMERS, { pbx: '192.0.2.10', fax: '192.0.2.11' }));
    await rndc('reload', 'voice.example.com');
    assert.equal((await transferred(s, 'voice.example.com.', 2)).kind, 'ixfr');
    assert.ok(s.lines('DNS_NOTIFY_RECEIVED').some((l) => l.zone === 'voice.example.com.' && l.serial === 2));
    assert.deepEqual((await s.dig('fax.voice.example.com')).answers, ['192.0.2.11']);
    await until('BIND logged the signed IXFR', async () => /transfer of 'voice\.example\.com\/IN': IXFR started: TSIG xfr-key/.test(named.output()) || undefined, 5_000);
    assert.doesNotMatch(named.output(), /notify to 192\.0\.2\.53#53: retries exceeded|notify response from 192\.0\.2\.53#53.*(failed|expected a TSIG|tsig)/i, 'BIND takes our signed NOTIFY answers');
    assert.deepEqual(s.lines('DNS_SECONDARY_TSIG_FAILED'), []);
    assert.deepEqual(s.lines('DNS_NOTIFY_REFUSED'), []);

    // Our copy of the key gets a wrong secret: BIND's NOTIFY is refused and the transfer fails; the copy stays.
    await s.daemon.stop();
    const config = join(s.dir, 'site.json');
    const c = JSON.parse(readFileSync(config, 'utf8')) as { dns: { keys: { secret: string }[] } };
    c.dns.keys[0]!.secret = randomBytes(32).toString('base64');
    writeFileSync(config, JSON.stringify(c));
    await s.start();
    assert.deepEqual((await s.dig('fax.voice.example.com')).answers, ['192.0.2.11'], 'answered from the copy on disk');
    writeFileSync(join(bind, 'voice.zone'), zoneText('voice.example.com', 3, TIMERS, { pbx: '192.0.2.10', fax: '192.0.2.12' }));
    await rndc('reload', 'voice.example.com');
    const refused = await until('NOTIFY refused', async () => s.lines('DNS_NOTIFY_REFUSED').find((l) => l.zone === 'voice.example.com.'));
    assert.match(String(refused.reason), /does not verify with key xfr-key: BADSIG/);
    assert.ok(s.lines('DNS_SECONDARY_TSIG_FAILED').some((l) => l.what === 'notify' && l.error === 'BADSIG'));
    assert.equal((await s.cli('dns', 'retransfer', 'voice.example.com')).code, 0);
    const failed = await until('transfer failed', async () => s.lines('DNS_SECONDARY_TRANSFER_FAILED').find((l) => l.zone === 'voice.example.com.'));
    assert.match(JSON.stringify(failed.errors), /TSIG \(key xfr-key\): BADSIG: the peer refused our signature/);
    const tsig = s.lines('DNS_SECONDARY_TSIG_FAILED').find((l) => l.what === 'answer');
    assert.ok(tsig && tsig.zone === 'voice.example.com.' && tsig.key === 'xfr-key' && tsig.error === 'BADSIG', JSON.stringify(tsig));
    assert.ok(!s.daemon.output().includes(c.dns.keys[0]!.secret) && !s.daemon.output().includes(xfrSecret), 'no secret in the log');
    assert.match(named.output(), /192\.0\.2\.53#\d+: request has invalid signature: TSIG xfr-key: tsig verify failure \(BADSIG\)/);
    assert.deepEqual((await s.dig('fax.voice.example.com')).answers, ['192.0.2.11'], 'the copy is not updated');
    assert.equal((await s.status())['voice.example.com.']!.serial, 2);
    assert.equal(s.lines('DNS_SECONDARY_TRANSFERRED').length, 0);
  });
});

// — Knot —

function knotConfig(dir: string, zones: { name: string; noIxfr?: boolean }[]): string {
  return [
    'server:', `    rundir: "${dir}"`, `    listen: ${PRIMARY}@53`,
    'log:', '  - target: stdout', '    any: info',
    'database:', `    storage: "${join(dir, 'db')}"`,
    'remote:', '  - id: outpost', `    address: ${US}@53`,
    'acl:', '  - id: xfr', `    address: ${US}`, '    action: transfer',
    'zone:',
    ...zones.flatMap((z) => [
      `  - domain: ${z.name}`, `    file: "${join(dir, `${z.name}.zone`)}"`, '    zonefile-load: difference', '    journal-content: changes',
      '    notify: outpost', '    acl: xfr', ...(z.noIxfr ? ['    provide-ixfr: off'] : []),
    ]),
    '',
  ].join('\n');
}

async function knot(lab: Lab, s: Site, zones: { name: string; noIxfr?: boolean; timers: string; hosts: Record<string, string> }[]) {
  const dir = join(await lab.tempDir(), 'knot');
  mkdirSync(join(dir, 'db'), { recursive: true });
  const conf = join(dir, 'knot.conf');
  writeFileSync(conf, knotConfig(dir, zones));
  const publish = async (name: string, serial: number, timers: string, hosts: Record<string, string>, reload = true) => {
    writeFileSync(join(dir, `${name}.zone`), zoneText(name, serial, timers, hosts));
    if (reload) await s.primary.exec('knotc', ['-c', conf, 'zone-reload', name]);
  };
  for (const z of zones) await publish(z.name, 1, z.timers, z.hosts, false);
  const knotd = s.primary.spawn('knotd', ['-c', conf]);
  await knotd.waitForLine(/server started/, 20_000);
  return { knotd, publish };
}

test('secondary of Knot: AXFR first, NOTIFY then IXFR on a change; a zone with provide-ixfr off comes by AXFR', { skip, timeout: 120_000 }, async () => {
  assert.deepEqual(missingPrograms(['knotd', 'knotc', 'dig', 'curl']), []);
  await withLab({ tag: 'dns-sec-knot' }, async (lab) => {
    const TIMERS = '3600 600 86400 60';
    const s = await site(lab, [
      { name: 'voice.example.com', type: 'secondary', primaries: [{ address: PRIMARY }] },
      { name: 'full.example.com', type: 'secondary', primaries: [{ address: PRIMARY }] },
    ]);
    const k = await knot(lab, s, [{ name: 'voice.example.com', timers: TIMERS, hosts: { pbx: '192.0.2.10' } }, { name: 'full.example.com', noIxfr: true, timers: TIMERS, hosts: { pbx: '192.0.2.10' } }]);
    for (const zone of ['voice.example.com.', 'full.example.com.']) assert.equal((await transferred(s, zone, 1)).kind, 'axfr');
    assert.deepEqual((await s.dig('pbx.voice.example.com')).answers, ['192.0.2.10']);

    await k.publish('voice.example.com', 2, TIMERS, { pbx: '192.0.2.10', fax: '192.0.2.11' });
    assert.equal((await transferred(s, 'voice.example.com.', 2)).kind, 'ixfr');
    assert.deepEqual((await s.dig('fax.voice.example.com')).answers, ['192.0.2.11']);
    await k.knotd.waitForLine(/\[voice\.example\.com\.\] IXFR, outgoing, remote 192\.0\.2\.53@\d+, finished/, 5_000);
    assert.match(k.knotd.output(), /\[voice\.example\.com\.\] notify, outgoing, remote 192\.0\.2\.53@53, serial 2/);

    await k.publish('full.example.com', 2, TIMERS, { pbx: '192.0.2.10', fax: '192.0.2.12' });
    assert.equal((await transferred(s, 'full.example.com.', 2)).kind, 'axfr');
    assert.ok(s.lines('DNS_SECONDARY_IXFR_FALLBACK').some((l) => l.zone === 'full.example.com.'));
    assert.deepEqual((await s.dig('fax.full.example.com')).answers, ['192.0.2.12']);
  });
});

test('survivable expiry: cut off past the SOA expire the never zone answers (stale), the soa zone SERVFAIL; a restart answers from disk at once; healed, IXFR catch-up', { skip, timeout: 180_000 }, async () => {
  assert.deepEqual(missingPrograms(['knotd', 'knotc', 'dig', 'curl']), []);
  await withLab({ tag: 'dns-sec-survive' }, async (lab) => {
    const SHORT = '2 1 6 60'; // refresh 2 s, retry 1 s, expire 6 s
    const s = await site(lab, [
      { name: 'keep.example.com', type: 'secondary', primaries: [{ address: PRIMARY }], expiry: 'never' },
      { name: 'strict.example.com', type: 'secondary', primaries: [{ address: PRIMARY }], expiry: 'soa' },
    ]);
    const k = await knot(lab, s, [{ name: 'keep.example.com', timers: SHORT, hosts: { pbx: '192.0.2.10' } }, { name: 'strict.example.com', timers: SHORT, hosts: { pbx: '192.0.2.10' } }]);
    await transferred(s, 'keep.example.com.', 1);
    await transferred(s, 'strict.example.com.', 1);
    const fresh = await s.dig('pbx.keep.example.com', 'A', '+expire');
    assert.ok(fresh.expire !== undefined && fresh.expire <= 6, `EDNS EXPIRE while fresh: ${fresh.expire}`);

    await lab.partition(s.us, s.primary);
    const cutAt = Date.now();
    const states = await until('both past expire', async () => {
      const st = await s.status();
      return st['keep.example.com.']?.state === 'stale' && st['strict.example.com.']?.state === 'expired' ? st : undefined;
    });
    assert.ok(Date.now() - cutAt >= 4_000, 'not before the expire');
    assert.deepEqual([states['keep.example.com.']!.stale, states['keep.example.com.']!.serving, states['strict.example.com.']!.serving], [true, true, false]);
    assert.deepEqual(await s.dig('pbx.keep.example.com', 'A', '+expire'), { status: 'NOERROR', answers: ['192.0.2.10'], expire: 0 }, 'stale: answered, EXPIRE 0');
    assert.equal((await s.dig('pbx.strict.example.com')).status, 'SERVFAIL');
    const metrics = await s.metrics();
    assert.match(metrics, /outpost_dns_zone_stale\{zone="keep\.example\.com\."\} 1/);
    assert.match(metrics, /outpost_dns_zone_stale\{zone="strict\.example\.com\."\} 0/);
    assert.match(metrics, /outpost_dns_zone_expires_in_seconds\{zone="keep\.example\.com\."\} 0/);
    assert.match(metrics, /outpost_dns_zone_serving\{zone="strict\.example\.com\."\} 0/);
    assert.ok(s.lines('DNS_SECONDARY_STALE').length === 1 && s.lines('DNS_SECONDARY_EXPIRED').length === 1);

    // Still cut off: the primary changes (kept in its journal), and our server restarts.
    await k.publish('keep.example.com', 2, SHORT, { pbx: '192.0.2.10', fax: '192.0.2.11' });
    await s.daemon.stop();
    await s.start();
    assert.deepEqual(await s.dig('pbx.keep.example.com'), { status: 'NOERROR', answers: ['192.0.2.10'] }, 'answered from disk at once');
    assert.equal((await s.dig('pbx.strict.example.com')).status, 'SERVFAIL');
    const loaded = s.lines('DNS_SECONDARY_LOADED').map((l) => l.zone).sort();
    assert.deepEqual(loaded, ['keep.example.com.', 'strict.example.com.']);
    assert.equal((await s.status())['keep.example.com.']!.state, 'stale', 'it still knows its copy expired');

    await lab.heal(s.us, s.primary);
    const caught = await transferred(s, 'keep.example.com.', 2);
    assert.equal(caught.kind, 'ixfr', JSON.stringify(caught));
    assert.deepEqual((await s.dig('fax.keep.example.com')).answers, ['192.0.2.11']);
    const after = await until('both fresh', async () => {
      const st = await s.status();
      return st['keep.example.com.']?.state === 'fresh' && st['strict.example.com.']?.serving ? st : undefined;
    });
    assert.equal(after['keep.example.com.']!.stale, false);
    assert.equal((await s.dig('pbx.strict.example.com')).status, 'NOERROR');
    assert.match(await s.metrics(), /outpost_dns_zone_stale\{zone="keep\.example\.com\."\} 0/);
  });
});
