// Outpost's DHCPv4 server (the real `outpost site run`) against real clients through the
// client states of RFC 2131 §4.4: RENEWING (unicast to the server at T1), REBINDING
// (broadcast at T2 when the server cannot be reached by unicast), INIT-REBOOT on the
// wrong network (NAK, then a fresh DISCOVER), and dhcpcd and udhcpc through dhcrelay.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { labUnavailableReason, missingPrograms, withLab } from './index.js';
import { dhclientArgs, dhcpcdOnce, esc, macOf, serve, udhcpcScript, type Served } from './support/dhcp4-site.js';

const skip = labUnavailableReason() ?? false;

/** The lease's expiresAt (ms) for address, per the server's lease query. */
async function expiresAt(s: Served, address: string): Promise<number> {
  const [lease] = await s.leases(`address=${address}`);
  assert.equal(lease?.state, 'bound', `lease of ${address}: ${JSON.stringify(lease)}`);
  const t = Date.parse(String(lease.expiresAt));
  assert.ok(Number.isFinite(t), `expiresAt of ${address}: ${JSON.stringify(lease)}`);
  return t;
}

test('dhclient renews by unicast at T1 and, with the server unreachable by unicast, rebinds by broadcast at T2; each extends the lease', { skip, timeout: 120_000 }, async () => {
  assert.deepEqual(missingPrograms(['dhclient', 'curl']), []);
  await withLab({ tag: 'dhcp4-renew' }, async (lab) => {
    // Debug logs carry each lease transition with its cause (the engine's client state).
    const s = await serve(lab, { extra: { leaseTime: 60, renewTime: 6, rebindTime: 12 }, logLevel: 'debug' });
    const dhclient = s.client.spawn('dhclient', ['-d', ...dhclientArgs(s.dir), s.clientIf]);
    const bound = /bound to (\S+)/.exec(await dhclient.waitForLine(/bound to \d+\.\d+\.\d+\.\d+/, 30_000))![1]!;
    assert.match(bound, /^192\.0\.2\.1\d\d$/);
    const first = await expiresAt(s, bound);

    // RENEWING: at T1 (6 s) a unicast REQUEST to the server, ACKed; the lease moves on.
    let mark = dhclient.mark();
    await dhclient.waitForLine(new RegExp(`DHCPREQUEST for ${esc(bound)} on \\S+ to 192\\.0\\.2\\.1 port 67`), 15_000, mark);
    await dhclient.waitForLine(/DHCPACK (of \S+ )?from 192\.0\.2\.1/, 10_000, mark);
    await dhclient.waitForLine(new RegExp(`bound to ${esc(bound)}`), 10_000, mark);
    const renewed = await expiresAt(s, bound);
    assert.ok(renewed >= first + 3_000, `renewal moved expiresAt from ${new Date(first).toISOString()} to ${new Date(renewed).toISOString()}`);
    await s.daemon.waitForLine(new RegExp(`"code":"DHCP_LEASE_TRANSITION".*"address":"${esc(bound)}".*"cause":"renewing"|"cause":"renewing".*"address":"${esc(bound)}"`), 5_000);

    // REBINDING: unicast to the server now fails in the client (a prohibit route), so
    // renewals fail until T2 (12 s), when dhclient broadcasts; the server must ACK it.
    await s.client.addRoute('192.0.2.1/32', { type: 'prohibit' });
    mark = dhclient.mark();
    const daemonMark = s.daemon.mark();
    const broadcastRe = new RegExp(`DHCPREQUEST for ${esc(bound)} on \\S+ to 255\\.255\\.255\\.255 port 67`);
    // dhclient's unicast retries back off; the broadcast comes at the first retry past T2, well before expiry at 60 s.
    await dhclient.waitForLine(broadcastRe, 45_000, mark);
    await dhclient.waitForLine(/DHCPACK (of \S+ )?from 192\.0\.2\.1/, 10_000, mark);
    await dhclient.waitForLine(new RegExp(`bound to ${esc(bound)}`), 10_000, mark);
    const lines = dhclient.output().split('\n').slice(mark);
    const broadcastAt = lines.findIndex((l) => broadcastRe.test(l));
    const ackAt = lines.findIndex((l) => /DHCPACK/.test(l));
    // Between T1 and T2 the unicast attempts went nowhere: the first ACK follows the broadcast.
    assert.ok(broadcastAt >= 0 && ackAt > broadcastAt, `no ACK may come while the server is unreachable by unicast:\n${lines.join('\n')}`);
    assert.ok(lines.slice(0, broadcastAt).some((l) => new RegExp(`DHCPREQUEST for ${esc(bound)} on \\S+ to 192\\.0\\.2\\.1 port 67`).test(l)), `a unicast renewal was tried first:\n${lines.join('\n')}`);
    const transition = await s.daemon.waitForLine(new RegExp(`"code":"DHCP_LEASE_TRANSITION".*"address":"${esc(bound)}"`), 5_000, daemonMark);
    assert.match(transition, /"cause":"rebinding"/, transition);
    const rebound = await expiresAt(s, bound);
    assert.ok(rebound >= renewed + 6_000, `rebinding moved expiresAt from ${new Date(renewed).toISOString()} to ${new Date(rebound).toISOString()}`);
    assert.match(await s.client.ip('-o', '-4', 'addr', 'show', 'dev', s.clientIf), new RegExp(`inet ${esc(bound)}/24 `));
    await dhclient.stop();
  });
});

test('a client asking to keep an address of another network (INIT-REBOOT) gets a NAK, then a right address by DISCOVER', { skip, timeout: 90_000 }, async () => {
  assert.deepEqual(missingPrograms(['dhclient', 'curl']), []);
  await withLab({ tag: 'dhcp4-nak' }, async (lab) => {
    const s = await serve(lab);
    // The lease the client remembers from the network it came from.
    const expiry = new Date(Date.now() + 3_600_000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '').replaceAll('-', '/');
    writeFileSync(join(s.dir, 'dhclient.leases'), `lease {
  interface "${s.clientIf}";
  fixed-address 198.51.100.50;
  option subnet-mask 255.255.255.0;
  option dhcp-lease-time 3600;
  option dhcp-server-identifier 198.51.100.1;
  renew 0 ${expiry};
  rebind 0 ${expiry};
  expire 0 ${expiry};
}
`);
    const args = dhclientArgs(s.dir);
    const dhclient = s.client.spawn('dhclient', ['-d', '-1', ...args, s.clientIf]);
    await dhclient.waitForLine(/DHCPREQUEST for 198\.51\.100\.50 on/, 20_000);
    await dhclient.waitForLine(/DHCPNAK from 192\.0\.2\.1/, 10_000);
    await dhclient.waitForLine(/DHCPDISCOVER on/, 10_000);
    const bound = /bound to (\S+)/.exec(await dhclient.waitForLine(/bound to \d+\.\d+\.\d+\.\d+/, 30_000))![1]!;
    assert.match(bound, /^192\.0\.2\.1\d\d$/);
    const out = dhclient.output();
    assert.ok(out.indexOf('DHCPNAK') < out.indexOf('DHCPDISCOVER'), `NAK first, then DISCOVER:\n${out}`);
    assert.match(await s.client.ip('-o', '-4', 'addr', 'show', 'dev', s.clientIf), new RegExp(`inet ${esc(bound)}/24 `));
    assert.doesNotMatch(await s.client.ip('-o', '-4', 'addr', 'show', 'dev', s.clientIf), /198\.51\.100\.50/);
    assert.deepEqual(await s.leases('address=198.51.100.50'), [], 'the NAKed address is not leased');
    assert.equal((await s.leases(`address=${bound}`))[0]?.state, 'bound');
    assert.ok((await s.metric('outpost_dhcp4_sent_total{type="NAK"}') ?? 0) >= 1, 'the server counts its NAK');
    await dhclient.stop();
  });
});

test('dhcpcd and udhcpc through dhcrelay: each gets a lease on the relayed subnet', { skip, timeout: 120_000 }, async () => {
  assert.deepEqual(missingPrograms(['dhcrelay', 'dhcpcd', 'udhcpc', 'curl']), []);
  await withLab({ tag: 'dhcp4-relay2' }, async (lab) => {
    const s = await serve(lab, { relayed: true });
    const mac = await macOf(s.client, s.clientIf);

    const udhcpc = await s.client.run('udhcpc', ['-i', s.clientIf, '-f', '-q', '-n', '-t', '5', '-T', '2', '-s', udhcpcScript(s.dir)], { timeoutMs: 30_000 });
    const got = /udhcpc-script bound ip=(198\.51\.100\.\d+) /.exec(udhcpc.stdout + udhcpc.stderr)?.[1];
    assert.ok(got, `udhcpc got no lease through the relay:\n${udhcpc.stdout}${udhcpc.stderr}`);
    assert.match(got, /^198\.51\.100\.1\d\d$/);
    const [lease] = await s.leases(`address=${got}`);
    assert.equal(lease?.state, 'bound');
    assert.equal(lease?.hwAddress, mac);
    assert.match(await s.client.ip('-o', '-4', 'addr', 'show', 'dev', s.clientIf), new RegExp(`inet ${esc(got)}/24 `));
    await s.client.ip('addr', 'flush', 'dev', s.clientIf);

    // dhcpcd with another MAC, so it is a client of its own.
    await s.client.ip('link', 'set', 'dev', s.clientIf, 'address', '02:00:5e:00:53:77');
    const dhcpcd = await dhcpcdOnce(s.client, s.dir, s.clientIf);
    assert.equal(dhcpcd.code, 0, dhcpcd.output);
    assert.ok(dhcpcd.address, `dhcpcd left no address:\n${dhcpcd.output}`);
    assert.match(dhcpcd.address, /^198\.51\.100\.1\d\d$/);
    assert.notEqual(dhcpcd.address, got);
    const [other] = await s.leases(`address=${dhcpcd.address}`);
    assert.equal(other?.state, 'bound');
    assert.equal(other?.hwAddress, '02:00:5e:00:53:77');
    // Both came through the relay: requests counted at the server, relayed by dhcrelay.
    assert.match(s.dhcrelay!.output(), /Forwarded BOOTREPLY for 02:00:5e:00:53:77/i, s.dhcrelay!.output());
  });
});
