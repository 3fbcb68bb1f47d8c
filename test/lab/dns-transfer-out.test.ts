// Zone transfers out to real secondaries: Outpost (`outpost site run`) is the primary of
// voice.example.com in its namespace; BIND's named and Knot's knotd are its secondaries,
// each in a namespace of its own on one bridge. They AXFR the zone at start; then the
// zone file gets a new record and serial + 1, `outpost dns reload` reads it, Outpost's
// NOTIFY reaches both, and both fetch the change by IXFR (their logs say so) within a
// bounded wait. A fourth namespace, not in allowTransfer, is REFUSED.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { labUnavailableReason, missingPrograms, withLab, type Lab, type LabProcess, type Netns } from './index.js';
import { expectRecord, namedSecondaryConf } from './support/dns-lab.js';

const skip = labUnavailableReason() ?? false;
const OUTPOST = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const PRIMARY = '192.0.2.53';
const BIND = '192.0.2.54';
const KNOT = '192.0.2.55';
const OUTSIDER = '192.0.2.99';
const ORIGIN = 'voice.example.com.';

function zone(serial: number, extra = ''): string {
  return `$ORIGIN ${ORIGIN}
$TTL 3600
@          SOA   ns1 hostmaster ${serial} 3600 600 1209600 300
@          NS    ns1
@          NS    ns2
ns1        A     ${PRIMARY}
ns2        A     ${BIND}
pbx        A     192.0.2.10
pbx        AAAA  2001:db8::10
sip        CNAME pbx
_sip._udp  SRV   10 60 5060 pbx
@          MX    10 mail
mail       A     192.0.2.25
${Array.from({ length: 20 }, (_, i) => `phone-${i}  A  198.51.100.${i + 1}`).join('\n')}
${extra}`;
}

function knotConf(dir: string): string {
  return `server:
    rundir: "${join(dir, 'run')}"
    listen: ${KNOT}@53
log:
  - target: stdout
    any: info
database:
    storage: "${join(dir, 'db')}"
remote:
  - id: primary
    address: ${PRIMARY}@53
acl:
  - id: notify-from-primary
    address: ${PRIMARY}
    action: notify
zone:
  - domain: ${ORIGIN}
    storage: "${join(dir, 'zones')}"
    master: primary
    acl: notify-from-primary
`;
}

interface Setup {
  primary: Netns; bind: Netns; knot: Netns; outsider: Netns;
  outpost: LabProcess; knotd: LabProcess;
  dir: string; bindDir: string;
}

async function setUp(lab: Lab): Promise<Setup> {
  const primary = await lab.namespace('primary');
  const bind = await lab.namespace('bind');
  const knot = await lab.namespace('knot');
  const outsider = await lab.namespace('outsider');
  const sw = await lab.bridge(primary, { address: `${PRIMARY}/24` });
  await lab.attach(sw, bind, { address: `${BIND}/24` });
  await lab.attach(sw, knot, { address: `${KNOT}/24` });
  await lab.attach(sw, outsider, { address: `${OUTSIDER}/24` });

  const dir = await lab.tempDir();
  writeFileSync(join(dir, 'voice.zone'), zone(2026120101));
  writeFileSync(join(dir, 'site.json'), JSON.stringify({
    version: 1, site: { name: 'lab' }, server: { name: 'dns-1' }, status: { listen: '127.0.0.1', port: 9180 },
    dns: {
      listen: [{ address: PRIMARY }], dataDir: 'data',
      zones: [{
        name: 'voice.example.com', type: 'primary', file: 'voice.zone',
        allowTransfer: [{ from: [`${BIND}/32`, `${KNOT}/32`] }],
        notify: [{ address: BIND }, { address: KNOT }],
      }],
    },
  }));
  const outpost = primary.spawn(process.execPath, [OUTPOST, 'site', 'run', '--config', join(dir, 'site.json')]);
  await outpost.waitForLine(/"code":"SITE_READY"/, 20_000);

  const bindDir = join(dir, 'bind');
  mkdirSync(bindDir);
  writeFileSync(join(bindDir, 'named.conf'), namedSecondaryConf(bindDir, { listen: BIND, primary: PRIMARY, zone: ORIGIN }));
  bind.spawn('named', ['-f', '-n', '1', '-c', join(bindDir, 'named.conf')]);

  const knotDir = join(dir, 'knot');
  for (const sub of ['run', 'db', 'zones']) mkdirSync(join(knotDir, sub), { recursive: true });
  writeFileSync(join(knotDir, 'knot.conf'), knotConf(knotDir));
  const knotd = knot.spawn('knotd', ['-c', join(knotDir, 'knot.conf')]);
  return { primary, bind, knot, outsider, outpost, knotd, dir, bindDir };
}

test('named and knotd AXFR the zone from Outpost, then fetch a change by IXFR after a reload and NOTIFY; an address not allowed is REFUSED', { skip, timeout: 120_000 }, async () => {
  assert.deepEqual(missingPrograms(['named', 'knotd', 'dig', 'kdig']), []);
  await withLab({ tag: 'dns-xfr-out' }, async (lab) => {
    const s = await setUp(lab);

    // Initial AXFR: both secondaries answer our records.
    await expectRecord(s.bind, BIND, `pbx.${ORIGIN}`, 'A', '192.0.2.10', 'named AXFRed the zone', 30_000);
    await expectRecord(s.knot, KNOT, `phone-19.${ORIGIN}`, 'A', '198.51.100.20', 'knotd AXFRed the zone', 30_000);
    const mx = await s.outsider.run('dig', [`@${KNOT}`, '+norec', '+short', ORIGIN, 'MX'], { timeoutMs: 5_000 });
    assert.equal(mx.stdout.trim(), `10 mail.${ORIGIN}`);
    await s.knotd.waitForLine(/AXFR, incoming, remote 192\.0\.2\.53@53, finished/, 10_000);
    await s.outpost.waitForLine(/"code":"DNS_TRANSFER_OUT".*"client":"192\.0\.2\.54","type":"axfr","result":"full"/, 10_000);

    // The change: a new record, serial + 1, read by `outpost dns reload`.
    writeFileSync(join(s.dir, 'voice.zone'), zone(2026120102, `new-phone  A  192.0.2.77\n`));
    const since = s.outpost.mark();
    const reload = await s.primary.run(process.execPath, [OUTPOST, 'dns', 'reload', '--config', join(s.dir, 'site.json')], { timeoutMs: 20_000 });
    assert.equal(reload.code, 0, reload.stdout + reload.stderr);
    assert.match(reload.stdout, /voice\.example\.com\.\s+updated\s+2026120101 → 2026120102\s+-0 \+1/);

    // NOTIFY → both fetch by IXFR, within a bounded wait.
    const bindMs = await expectRecord(s.bind, BIND, `new-phone.${ORIGIN}`, 'A', '192.0.2.77', 'named took the change', 15_000);
    const knotMs = await expectRecord(s.knot, KNOT, `new-phone.${ORIGIN}`, 'A', '192.0.2.77', 'knotd took the change', 15_000);
    assert.ok(bindMs < 15_000 && knotMs < 15_000);
    await s.knotd.waitForLine(/IXFR, incoming, remote 192\.0\.2\.53@53, finished/, 10_000);
    const bindLog = readFileSync(join(s.bindDir, 'named.log'), 'utf8');
    assert.match(bindLog, /requesting IXFR for serial 2026120101/, bindLog.slice(-3000));
    assert.match(bindLog, /got incremental response/);
    await s.outpost.waitForLine(/"code":"DNS_TRANSFER_OUT".*"client":"192\.0\.2\.54","type":"ixfr","result":"incremental","serial":2026120102,"clientSerial":2026120101/, 10_000, since);
    await s.outpost.waitForLine(/"code":"DNS_TRANSFER_OUT".*"client":"192\.0\.2\.55","type":"ixfr","result":"incremental"/, 10_000, since);
    await s.outpost.waitForLine(/"code":"DNS_NOTIFY_ENDED".*"server":"192\.0\.2\.54#53","result":"acknowledged"/, 10_000, since);
    await s.outpost.waitForLine(/"code":"DNS_NOTIFY_ENDED".*"server":"192\.0\.2\.55#53","result":"acknowledged"/, 10_000, since);

    // Not in allowTransfer: REFUSED, over TCP (AXFR, IXFR) and UDP (IXFR).
    const axfr = await s.outsider.run('kdig', [`@${PRIMARY}`, '+tcp', '+time=2', '+retry=0', ORIGIN, 'AXFR'], { timeoutMs: 10_000 });
    assert.match(axfr.stdout + axfr.stderr, /REFUSED/, axfr.stdout + axfr.stderr);
    const ixfr = await s.outsider.run('kdig', [`@${PRIMARY}`, '+notcp', '+time=2', '+retry=0', ORIGIN, 'IXFR=2026120101'], { timeoutMs: 10_000 });
    assert.match(ixfr.stdout + ixfr.stderr, /REFUSED/, ixfr.stdout + ixfr.stderr);

    const metrics = await s.primary.run('curl', ['-s', 'http://127.0.0.1:9180/metrics'], { timeoutMs: 5_000 });
    assert.match(metrics.stdout, /outpost_dns_transfers_total\{type="axfr",result="refused"\} 1/);
    assert.match(metrics.stdout, /outpost_dns_transfers_total\{type="ixfr",result="incremental"\} 2/);
    assert.match(metrics.stdout, /outpost_dns_notifies_total\{event="acknowledged"\} [2-9]/);
    assert.match(metrics.stdout, /outpost_dns_ixfr_versions\{zone="voice\.example\.com\."\} 1/);
  });
});
