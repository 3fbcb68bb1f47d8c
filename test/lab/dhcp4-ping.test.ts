// Ping before offer on the wire: Outpost's ICMP pinger against the Linux kernel's
// echo replies in network namespaces, and the real `outpost site run` skipping an
// address another host already uses while a real dhclient waits for its offer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { labUnavailableReason, missingPrograms, withLab } from './index.js';
import { dhclientArgs, serve } from './support/dhcp4-site.js';

const skip = labUnavailableReason() ?? false;
const PROBE = fileURLToPath(new URL('./support/ping-probe.js', import.meta.url));
const TIMEOUT_MS = 300;

interface ProbeRun { kind: string; results: string[]; ms: number; stats: Record<string, number> }

test('Icmp4Pinger: answered by a live host, silent for an absent one, 40 pings at once, on a raw and on a ping socket', { skip, timeout: 60_000 }, async () => {
  await withLab({ tag: 'icmp4-pinger' }, async (lab) => {
    const a = await lab.namespace('pinger');
    const b = await lab.namespace('target');
    await lab.link(a, b, { a: '192.0.2.1/24', b: '192.0.2.2/24' });
    const probe = async (...addresses: string[]): Promise<ProbeRun> => {
      const r = await a.run(process.execPath, [PROBE, String(TIMEOUT_MS), ...addresses], { timeoutMs: 20_000 });
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as ProbeRun;
    };

    const one = await probe('192.0.2.2', '192.0.2.3');
    assert.equal(one.kind, 'icmp-raw', 'root, ping sockets not allowed (ping_group_range "1 0"): raw socket');
    assert.deepEqual(one.results, ['answered', 'silent']);
    assert.ok(one.ms >= TIMEOUT_MS - 20, `the silent address was waited for (${one.ms} ms)`);

    // Concurrent pings wait together: 20 silent ones take about one timeout, not twenty.
    const many = await probe(...Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? '192.0.2.2' : `192.0.2.${100 + i}`)));
    assert.deepEqual(many.results, Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 'answered' : 'silent')));
    assert.ok(many.ms < 5 * TIMEOUT_MS, `40 pings at once finished in ${many.ms} ms (one after another would take ${20 * TIMEOUT_MS} ms)`);
    assert.deepEqual([many.stats.sent, many.stats.answered, many.stats.silent], [40, 20, 20]);

    // Where ping sockets are allowed (per network namespace) the pinger uses one.
    const sysctl = await a.run('sysctl', ['-w', 'net.ipv4.ping_group_range=0 2147483647'], { timeoutMs: 5_000 });
    assert.equal(sysctl.code, 0, sysctl.stderr);
    const dgram = await probe('192.0.2.2', '192.0.2.3');
    assert.equal(dgram.kind, 'icmp');
    assert.deepEqual(dgram.results, ['answered', 'silent']);
  });
});

test('ping before offer: a host squatting on a pool address is skipped and quarantined, dhclient gets the next address', { skip, timeout: 90_000 }, async () => {
  assert.deepEqual(missingPrograms(['dhclient', 'curl']), []);
  await withLab({ tag: 'dhcp4-ping' }, async (lab) => {
    const s = await serve(lab, { extra: { pingBeforeOffer: { enabled: true, timeoutMs: TIMEOUT_MS } } });
    // Someone configured 192.0.2.100, the pool's first address, by hand.
    await s.client.ip('addr', 'add', '192.0.2.100/24', 'dev', s.clientIf);
    const dhclient = s.client.spawn('dhclient', ['-d', '-1', ...dhclientArgs(s.dir), s.clientIf]);
    const bound = /bound to (\S+)/.exec(await dhclient.waitForLine(/bound to \d+\.\d+\.\d+\.\d+/, 30_000))![1]!;
    await dhclient.stop();
    assert.equal(bound, '192.0.2.101', 'the answering address was not offered');
    const [conflict] = await s.leases('address=192.0.2.100');
    assert.equal(conflict?.state, 'declined', JSON.stringify(conflict));
    assert.equal((await s.leases('address=192.0.2.101'))[0]?.state, 'bound');
    assert.equal(await s.metric('outpost_dhcp4_ping_checks_total{result="in-use"}'), 1);
    assert.ok((await s.metric('outpost_dhcp4_ping_checks_total{result="free"}'))! >= 1);
    assert.equal(await s.metric('outpost_dhcp4_pings_in_progress'), 0);
    assert.match(s.daemon.output(), /"code":"DHCP_PING_CONFLICT".*"address":"192\.0\.2\.100"/);
  });
});

test('without CAP_NET_RAW and ping sockets the server says so once and offers without pinging, counted as unknown', { skip, timeout: 90_000 }, async () => {
  assert.deepEqual(missingPrograms(['dhclient', 'curl', 'setpriv']), []);
  await withLab({ tag: 'dhcp4-noping' }, async (lab) => {
    const s = await serve(lab, {
      extra: { pingBeforeOffer: { enabled: true, timeoutMs: TIMEOUT_MS } },
      prefix: ['setpriv', '--bounding-set', '-net_raw', '--inh-caps', '-net_raw'],
    });
    assert.match(s.daemon.output(), /"code":"DHCP_PING_UNAVAILABLE".*ping_group_range or CAP_NET_RAW/);
    const dhclient = s.client.spawn('dhclient', ['-d', '-1', ...dhclientArgs(s.dir), s.clientIf]);
    const bound = /bound to (\S+)/.exec(await dhclient.waitForLine(/bound to \d+\.\d+\.\d+\.\d+/, 30_000))![1]!;
    await dhclient.stop();
    assert.equal(bound, '192.0.2.100');
    assert.ok((await s.metric('outpost_dhcp4_ping_checks_total{result="unknown"}'))! >= 1);
    assert.equal(await s.metric('outpost_dhcp4_ping_checks_total{result="in-use"}'), undefined);
  });
});
