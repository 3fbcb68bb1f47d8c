// Outpost's authoritative DNS server (the real `outpost site run`, port 53 in its own
// namespace) answering real clients, BIND's dig and Knot's kdig, over UDP and TCP:
// authoritative answers, NXDOMAIN and NODATA with the SOA, wildcard, CNAME chain,
// delegation with glue, REFUSED outside its zones, truncation and TCP fallback, EDNS
// (BADVERS, NSID, EXPIRE), ANY over UDP, case preserved, answers from the cache.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { labUnavailableReason, missingPrograms, withLab, type Lab } from './index.js';
import type { Netns } from './netns.js';

const skip = labUnavailableReason() ?? false;
const OUTPOST = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const SERVER = '192.0.2.53';

const ZONE = `$ORIGIN voice.example.com.
$TTL 3600
@          SOA   ns1 hostmaster 2026113001 3600 600 1209600 300
@          NS    ns1
@          NS    ns2.example.net.
ns1        A     ${SERVER}
pbx        A     192.0.2.10
pbx        AAAA  2001:db8::10
sip        CNAME sbc
sbc        CNAME pbx
_sip._udp  SRV   10 60 5060 pbx
@          NAPTR 10 50 "s" "SIP+D2U" "" _sip._udp
*.phones   A     192.0.2.200
branch     NS    ns.branch
ns.branch  A     198.51.100.53
big        TXT   ${Array.from({ length: 10 }, (_, i) => `"${String(i).repeat(100)}"`).join(' ')}
`;

interface Dns { client: Netns; dig(args: string[]): Promise<string>; kdig(args: string[]): Promise<string> }

async function serve(lab: Lab): Promise<Dns> {
  const server = await lab.namespace('dns');
  const client = await lab.namespace('client');
  await lab.link(server, client, { a: `${SERVER}/24`, b: '192.0.2.20/24' });
  const dir = await lab.tempDir();
  writeFileSync(join(dir, 'voice.zone'), ZONE);
  writeFileSync(join(dir, 'site.json'), JSON.stringify({
    version: 1, site: { name: 'lab' }, server: { name: 'dns-1' }, status: { port: 0 },
    dns: { listen: [{ address: '0.0.0.0' }], dataDir: 'data', nsid: 'dns-1', zones: [{ name: 'voice.example.com', type: 'primary', file: 'voice.zone' }] },
  }));
  const daemon = server.spawn(process.execPath, [OUTPOST, 'site', 'run', '--config', join(dir, 'site.json')]);
  await daemon.waitForLine(/"code":"DNS_LISTENING"/, 20_000);
  const run = async (tool: string, args: string[]) => {
    const r = await client.run(tool, [`@${SERVER}`, ...args], { timeoutMs: 15_000 });
    assert.equal(r.code, 0, `${tool} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  return { client, dig: (a) => run('dig', ['+norec', '+time=2', '+tries=1', ...a]), kdig: (a) => run('kdig', ['+norec', '+time=2', '+retry=0', ...a]) };
}

const status = (out: string) => /status: (\w+)/.exec(out)?.[1];
const flags = (out: string) => /flags: ([a-z ]+);/.exec(out)?.[1]?.trim().split(' ') ?? [];
const section = (out: string, name: string) => {
  const m = new RegExp(`;; ${name} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(out);
  return (m?.[1] ?? '').split('\n').filter(Boolean).map((l) => l.split(/\s+/).filter((_, i) => i !== 1).join(' '));
};

test('dig and kdig get authoritative answers, negative answers with the SOA, wildcards, CNAME chains, referrals with glue and REFUSED', { skip, timeout: 90_000 }, async () => {
  assert.deepEqual(missingPrograms(['dig', 'kdig']), []);
  await withLab({ tag: 'dns-serve' }, async (lab) => {
    const { dig, kdig } = await serve(lab);

    const a = await dig(['pbx.voice.example.com', 'A']);
    assert.equal(status(a), 'NOERROR');
    assert.ok(flags(a).includes('aa'), a);
    assert.deepEqual(section(a, 'ANSWER'), ['pbx.voice.example.com. IN A 192.0.2.10']);

    const srv = await kdig(['_sip._udp.voice.example.com', 'SRV']);
    assert.match(srv, /status: NOERROR/);
    assert.match(srv, /_sip\._udp\.voice\.example\.com\.\s+3600\s+IN\s+SRV\s+10 60 5060 pbx\.voice\.example\.com\./);

    const nx = await dig(['nobody.voice.example.com', 'A']);
    assert.equal(status(nx), 'NXDOMAIN');
    assert.deepEqual(section(nx, 'AUTHORITY'), ['voice.example.com. IN SOA ns1.voice.example.com. hostmaster.voice.example.com. 2026113001 3600 600 1209600 300']);
    assert.match(nx, /voice\.example\.com\.\s+300\s+IN\s+SOA/, 'negative TTL min(SOA TTL, minimum)');

    const nodata = await dig(['pbx.voice.example.com', 'MX']);
    assert.deepEqual([status(nodata), section(nodata, 'ANSWER').length, section(nodata, 'AUTHORITY').length], ['NOERROR', 0, 1]);

    const wild = await dig(['desk-42.phones.voice.example.com', 'A']);
    assert.deepEqual(section(wild, 'ANSWER'), ['desk-42.phones.voice.example.com. IN A 192.0.2.200']);

    const chain = await dig(['sip.voice.example.com', 'AAAA']);
    assert.deepEqual(section(chain, 'ANSWER'), [
      'sip.voice.example.com. IN CNAME sbc.voice.example.com.',
      'sbc.voice.example.com. IN CNAME pbx.voice.example.com.',
      'pbx.voice.example.com. IN AAAA 2001:db8::10',
    ]);

    const referral = await dig(['host.branch.voice.example.com', 'A']);
    assert.equal(status(referral), 'NOERROR');
    assert.ok(!flags(referral).includes('aa'), 'a referral is not authoritative');
    assert.deepEqual(section(referral, 'AUTHORITY'), ['branch.voice.example.com. IN NS ns.branch.voice.example.com.']);
    assert.deepEqual(section(referral, 'ADDITIONAL').filter((l) => !l.startsWith(';')), ['ns.branch.voice.example.com. IN A 198.51.100.53']);

    const refused = await dig(['www.example.org', 'A']);
    assert.equal(status(refused), 'REFUSED');
    assert.ok(!flags(refused).includes('aa'));

    // The client's spelling comes back (DNS 0x20), also when the answer comes from the cache.
    for (let i = 0; i < 2; i++) {
      const mixed = await dig(['PbX.VoIcE.example.COM', 'A']);
      assert.deepEqual(section(mixed, 'ANSWER'), ['PbX.VoIcE.example.COM. IN A 192.0.2.10']);
    }
  });
});

test('truncation and TCP fallback, EDNS BADVERS, NSID and EXPIRE, ANY over UDP and TCP', { skip, timeout: 90_000 }, async () => {
  assert.deepEqual(missingPrograms(['dig', 'kdig']), []);
  await withLab({ tag: 'dns-edns' }, async (lab) => {
    const { dig, kdig } = await serve(lab);

    // 1 000+ bytes of TXT: TC over UDP without EDNS; dig retries over TCP by itself.
    const truncated = await dig(['+noedns', '+ignore', 'big.voice.example.com', 'TXT']);
    assert.ok(flags(truncated).includes('tc'), truncated);
    assert.equal(section(truncated, 'ANSWER').length, 0);
    const fallback = await dig(['+noedns', 'big.voice.example.com', 'TXT']);
    assert.match(fallback, /\(TCP\)/);
    assert.equal(section(fallback, 'ANSWER').length, 1);
    const small = await kdig(['+bufsize=512', '+ignore', 'big.voice.example.com', 'TXT']);
    assert.match(small, /Flags: qr aa tc;/);
    const fits = await dig(['+bufsize=1232', 'big.voice.example.com', 'TXT']);
    assert.ok(!flags(fits).includes('tc'));

    const badvers = await dig(['+edns=1', '+noednsneg', 'pbx.voice.example.com', 'A']);
    assert.equal(status(badvers), 'BADVERS');
    assert.match(badvers, /EDNS: version: 0/);

    const opts = await dig(['+nsid', '+expire', 'pbx.voice.example.com', 'A']);
    assert.match(opts, /NSID: .*\("dns-1"\)/);
    assert.match(opts, /EXPIRE: 1209600/);
    assert.match(opts, /udp: 1232/);

    const anyUdp = await dig(['+notcp', 'voice.example.com', 'ANY']); // dig sends ANY over TCP unless told not to
    assert.match(anyUdp, /\(UDP\)/);
    assert.equal(section(anyUdp, 'ANSWER').length, 1, 'RFC 8482: one RRset over UDP');
    const anyTcp = await dig(['+tcp', 'voice.example.com', 'ANY']);
    assert.deepEqual(new Set(section(anyTcp, 'ANSWER').map((l) => l.split(' ')[2])), new Set(['SOA', 'NS', 'NAPTR']));

    // Several queries on one TCP connection (kdig +keepopen), answered in order.
    const piped = await kdig(['+tcp', '+keepopen', 'pbx.voice.example.com', 'A', 'pbx.voice.example.com', 'AAAA', 'nobody.voice.example.com', 'A']);
    assert.deepEqual([...piped.matchAll(/status: (\w+)/g)].map((m) => m[1]), ['NOERROR', 'NOERROR', 'NXDOMAIN']);
  });
});
