// BIND judges our zone files: zones written by writeZoneFile (a forward zone with
// every type, a reverse zone, delegations with glue, escapes and long TXT) must pass
// `named-checkzone -i full`; and BIND's own dump of each (named-compilezone), read
// back by our reader, must hold the same records we wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseZoneFile, rdataToText, writeZoneFile } from '../../src/protocol/dns/zone-file/index.js';
import { validateZone } from '../../src/protocol/dns/zone-validate.js';
import { RRType, encodeRdata, type ResourceRecord } from '../../src/wire/dns/index.js';
import { repoRoot } from '../support/paths.js';
import { missingPrograms } from './availability.js';

const FIXTURES = join(repoRoot, 'test', 'fixtures', 'dns-zones');
const readFixture = (p: string) => readFileSync(join(FIXTURES, p), 'utf8');
const missing = missingPrograms(['named-checkzone', 'named-compilezone']);
const skip = missing.length > 0 ? `${missing.join(' and ')} not installed (Debian package bind9-utils)` : false;

function fixtureRecords(file: string, origin: string): ResourceRecord[] {
  return parseZoneFile(readFixture(file), { origin, file, readFile: readFixture }).records;
}

/** A zone of names and strings that need escapes, long TXT, every byte. */
function escapesZone(): ResourceRecord[] {
  const rr = (name: string, type: number, data: ResourceRecord['data']): ResourceRecord => ({ name, type, class: 1, ttl: 600, data });
  const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  return [
    rr('example.test.', RRType.SOA, { mname: 'ns1.example.test.', rname: 'host\\.master.example.test.', serial: 4294967295, refresh: 3600, retry: 600, expire: 2419200, minimum: 60 }),
    rr('example.test.', RRType.NS, { host: 'ns1.example.test.' }),
    rr('ns1.example.test.', RRType.A, { address: '203.0.113.53' }),
    rr('ns1.example.test.', RRType.AAAA, { address: '2001:db8:53::1' }),
    rr('long.example.test.', RRType.TXT, { strings: Array.from({ length: 16 }, (_, i) => Buffer.alloc(255, 0x41 + i)) }),
    rr('bytes.example.test.', RRType.TXT, { strings: [every.subarray(0, 128), every.subarray(128), Buffer.from('"quoted" \\back\\slash; (paren)')] }),
    rr('empty.example.test.', RRType.TXT, { strings: [Buffer.alloc(0)] }),
    rr('_dmarc.example.test.', RRType.TXT, { strings: [Buffer.from('v=DMARC1; p=reject; rua=mailto:dmarc@example.test')] }),
    rr('host.example.test.', RRType.HINFO, { cpu: Buffer.from('Intel "Xeon"'), os: Buffer.from('Debian\t12') }),
    rr('caa.example.test.', RRType.CAA, { flags: 0, tag: 'issuewild', value: Buffer.from('ca.example.net; account=1; policy=ev') }),
    rr('caa.example.test.', RRType.CAA, { flags: 128, tag: 'iodef', value: Buffer.from('https://example.test/caa?"x"') }),
    rr('dot\\.label.example.test.', RRType.A, { address: '203.0.113.1' }),
    rr('sp\\032ace.example.test.', RRType.A, { address: '203.0.113.2' }),
    rr('semi;colon.example.test.', RRType.A, { address: '203.0.113.3' }),
    rr('par(en).example.test.', RRType.A, { address: '203.0.113.4' }),
    rr('$dollar.example.test.', RRType.A, { address: '203.0.113.5' }),
    rr('@.example.test.', RRType.A, { address: '203.0.113.6' }),
    rr('\\000\\255.example.test.', RRType.A, { address: '203.0.113.7' }),
    rr('MiXeD.Case.example.test.', RRType.AAAA, { address: '2001:db8::7' }),
    rr('mapped.example.test.', RRType.AAAA, { address: '::ffff:192.0.2.1' }),
    rr('spf.example.test.', 99, { opaque: encodeRdata(RRType.TXT, { strings: [Buffer.from('v=spf1 ip4:192.0.2.0/24'), Buffer.from(' -all "x"')] }) }),
    rr('alias.example.test.', RRType.CNAME, { target: 'semi;colon.example.test.' }),
    rr('naptr.example.test.', RRType.NAPTR, { order: 10, preference: 100, flags: Buffer.from('u'), services: Buffer.from('E2U+sip'), regexp: Buffer.from('!^\\+1(.*)$!sip:\\1@example.test!'), replacement: '.' }),
    rr('unknown.example.test.', 65534, { opaque: every }),
  ];
}

function run(cmd: string, args: readonly string[]): { code: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const recordSet = (records: readonly ResourceRecord[]) => records.map((r) => `${r.name} ${r.ttl} ${r.class} ${r.type} ${rdataToText(r.type, r.data)}`).sort();

const ZONES: readonly [string, string, () => ResourceRecord[]][] = [
  ['forward zone, every type', 'example.com.', () => fixtureRecords('example.com.zone', 'example.com.')],
  ['reverse zone', '2.0.192.in-addr.arpa.', () => fixtureRecords('2.0.192.in-addr.arpa.zone', '2.0.192.in-addr.arpa.')],
  ['delegations and glue', 'example.net.', () => fixtureRecords('example.net.zone', 'example.net.')],
  ['escapes and long TXT', 'example.test.', escapesZone],
];

for (const [what, origin, records] of ZONES) {
  test(`named-checkzone -i full accepts the written ${what} (${origin}), and BIND's dump reads back the same`, { skip, timeout: 60_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-zonefile-'));
    try {
      const rs = records();
      assert.deepEqual(validateZone(origin, rs).problems.filter((p) => p.severity === 'error'), [], 'our own validation');
      const file = join(dir, 'zone');
      writeFileSync(file, writeZoneFile(origin, rs));
      const check = run('named-checkzone', ['-i', 'full', origin, file]);
      assert.equal(check.code, 0, `named-checkzone refused the zone:\n${check.out}\n${readFileSync(file, 'utf8')}`);
      assert.match(check.out, /^OK$/m);

      const dump = join(dir, 'dump');
      const compiled = run('named-compilezone', ['-i', 'none', '-k', 'ignore', '-s', 'full', '-o', dump, origin, file]);
      assert.equal(compiled.code, 0, compiled.out);
      const reread = parseZoneFile(readFileSync(dump, 'utf8'), { origin, file: 'bind-dump' }).records;
      assert.deepEqual(recordSet(reread), recordSet(rs));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
