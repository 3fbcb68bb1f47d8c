// Issue 3 acceptance: the real `outpost site run` takes COUNT (default 1,000,000)
// mutated datagrams on port 67 — seeded mutations of the captured real-client packets
// in test/fixtures/dhcp4/ plus random ones (test/lab/support/dhcp4-fuzz-send.ts) —
// and afterwards is still running and still serves a real dhclient; /metrics counts
// the undecodable ones by codec reason, and the DHCP_DROPPED log lines stay within
// their rate limit (10 a minute).
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeSiteConfig } from './support/dhcp4-site.js';
import { labUnavailableReason, missingPrograms, withLab } from './index.js';
import { metricSamples as samples, sumOf as sum } from './support/paced-udp.js';

const OUTPOST = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const SEND = fileURLToPath(new URL('./support/dhcp4-fuzz-send.js', import.meta.url));
const CAPTURES = fileURLToPath(new URL('../../../test/fixtures/dhcp4/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../../test/lab/fixtures/', import.meta.url));
const skip = labUnavailableReason() ?? false;
const COUNT = Number(process.env.OUTPOST_FUZZ_COUNT ?? 1_000_000);
const SEED = Number(process.env.OUTPOST_FUZZ_SEED ?? 0xf022);
// Offered rate: by default as fast as one sender goes (~30–40k/s here); what the server
// cannot take, the kernel drops at its socket (counted as UDP RcvbufErrors).
const RATE = Number(process.env.OUTPOST_FUZZ_RATE ?? 1_000_000);
const MAX_MS = Number(process.env.OUTPOST_FUZZ_MAX_MS ?? 75_000);
const SERVER = '198.18.0.1';
const STATUS = 'http://127.0.0.1:9180';


test(`fuzz: ${COUNT} mutated datagrams, then the server still serves dhclient; decode errors counted by reason, drop log rate-limited`, { skip, timeout: MAX_MS + 120_000 }, async () => {
  assert.deepEqual(missingPrograms(['dhclient', 'curl']), []);
  await withLab({ tag: 'dhcp4-fuzz' }, async (lab) => {
    const server = await lab.namespace('server');
    const client = await lab.namespace('client');
    const ends = await lab.link(server, client, { a: `${SERVER}/15`, b: '198.18.0.2/15' });
    const dir = await lab.tempDir();
    writeSiteConfig(dir, {
      interfaces: [{ name: ends.a, address: SERVER }],
      leaseTime: 3600,
      // A large pool: mutated DISCOVERs and REQUESTs with new MACs take addresses too.
      subnets: [{ id: 1, subnet: '198.18.0.0/15', interface: ends.a, pools: [{ start: '198.18.0.100', end: '198.19.255.254' }] }],
    });
    const daemon = server.spawn(process.execPath, [OUTPOST, 'site', 'run', '--config', join(dir, 'site.json')]);
    await daemon.waitForLine(/"code":"DHCP_LISTENING"/, 20_000);
    const metrics = async () => {
      const r = await server.run('curl', ['-sf', `${STATUS}/metrics`], { timeoutMs: 10_000 });
      assert.equal(r.code, 0, `GET /metrics failed: ${r.stderr}\n${daemon.output().slice(-3000)}`);
      return r.stdout;
    };

    const began = Date.now();
    const fuzz = await client.run(process.execPath, [SEND, SERVER, String(COUNT), String(SEED), String(RATE), String(MAX_MS), CAPTURES], { timeoutMs: MAX_MS + 30_000 });
    assert.equal(fuzz.code, 0, fuzz.stdout + fuzz.stderr);
    const sent = JSON.parse(fuzz.stdout) as { sent: number; errors: number; seconds: number; rate: number; kinds: Record<string, number> };
    // Let the server drain its socket buffer before judging.
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(daemon.exitStatus(), null, `the server died under fuzzing:\n${daemon.output().slice(-5000)}`);

    // A real client still gets a lease.
    const script = join(dir, 'dhclient-script.sh');
    copyFileSync(join(FIXTURES, 'dhclient-script.sh'), script);
    chmodSync(script, 0o755);
    await client.ip('addr', 'flush', 'dev', ends.b);
    const dhclient = client.spawn('dhclient', ['-d', '-1', '-v', '-cf', join(FIXTURES, 'dhclient.conf'), '-sf', script, '-lf', join(dir, 'dhclient.leases'), '-pf', join(dir, 'dhclient.pid'), ends.b]);
    const bound = /bound to (\S+)/.exec(await dhclient.waitForLine(/bound to \d+\.\d+\.\d+\.\d+/, 30_000))![1]!;
    assert.match(bound, /^198\.1[89]\./);
    await dhclient.stop();

    const text = await metrics();
    const decodeErrors = samples(text, 'outpost_dhcp4_decode_errors_total');
    const dropped = samples(text, 'outpost_dhcp4_dropped_total');
    const received = samples(text, 'outpost_dhcp4_received_total');
    const replied = samples(text, 'outpost_dhcp4_sent_total');
    const snmp = (await server.exec('cat', ['/proc/net/snmp'])).split('\n').filter((l) => l.startsWith('Udp:'));
    const udp = Object.fromEntries(snmp[0]!.split(/\s+/).slice(1).map((k, i) => [k, Number(snmp[1]!.split(/\s+/)[i + 1])]));
    const took = sum(received) + (dropped.get('{reason="decode-error"}') ?? 0) + (dropped.get('{reason="not-a-request"}') ?? 0) + (dropped.get('{reason="no-message-type"}') ?? 0);
    const elapsedMin = (Date.now() - began) / 60_000;
    const dropLines = (daemon.output().match(/"code":"DHCP_DROPPED"/g) ?? []).length;
    const sendFailLines = (daemon.output().match(/"code":"DHCP_SEND_FAILED"/g) ?? []).length;
    const fmt = (m: Map<string, number>) => [...m].map(([k, v]) => `${k.replace(/^\{\w+="|"\}$/g, '')}=${v}`).join(' ');
    console.log(`# fuzz: ${sent.sent} datagrams in ${sent.seconds.toFixed(1)} s (${sent.rate}/s offered, seed ${SEED}, ${sent.errors} send errors); mutations ${JSON.stringify(sent.kinds)}`);
    console.log(`# the server took in ${took} of them (${sum(decodeErrors)} undecodable); its kernel dropped ${udp.RcvbufErrors} at the full socket buffer; decode errors by reason: ${fmt(decodeErrors)}`);
    console.log(`# received by type: ${fmt(received)}; dropped by reason: ${fmt(dropped)}; replies sent: ${fmt(replied)}`);
    console.log(`# DHCP_DROPPED log lines: ${dropLines}, DHCP_SEND_FAILED: ${sendFailLines}, over ${(elapsedMin * 60).toFixed(0)} s; dhclient bound to ${bound}`);

    assert.ok(sent.sent >= COUNT, `only ${sent.sent} of ${COUNT} sent within ${MAX_MS} ms`);
    assert.equal(sum(decodeErrors), dropped.get('{reason="decode-error"}'), 'every decode error is a drop');
    assert.ok(took >= Math.min(COUNT, 100_000), `the server took in only ${took} datagrams`);
    assert.ok(decodeErrors.size >= 3, `decode errors by reason: ${fmt(decodeErrors)}`);
    assert.ok(!decodeErrors.has('{reason="unexpected"}'), `the codec threw something other than a WireDecodeError: ${fmt(decodeErrors)}\n${daemon.output().slice(-3000)}`);
    assert.doesNotMatch(daemon.output(), /"reason":"engine-error"/, 'the engine threw on a decoded datagram');
    const allowed = 10 * (Math.floor(elapsedMin) + 1) + 1;
    assert.ok(dropLines <= allowed, `${dropLines} DHCP_DROPPED lines in ${elapsedMin.toFixed(2)} min (allowed ${allowed})`);
    assert.ok(sendFailLines <= allowed, `${sendFailLines} DHCP_SEND_FAILED lines (allowed ${allowed})`);
    assert.equal(daemon.exitStatus(), null, 'the server is still running');
    await daemon.stop();
  });
});
