// Outpost's DHCPv4 server (the real `outpost site run`) on two 802.1Q subinterfaces of
// one trunk, a switch untagging each VLAN to its own client: each client must get an
// address from its own VLAN's subnet, which the server can only tell from the
// interface the broadcast arrived on. The subinterfaces are the kernel's VLAN devices,
// or the lab's userspace stand-in on kernels without 802.1Q (lab.vlan).
//
//   client-a ── br10 ─ trunk.10 ┐                       ┌ trunk.10  192.0.2.1/24
//                               ├ switch ══ trunk ══ server
//   client-b ── br20 ─ trunk.20 ┘     (802.1Q, VLANs 10 and 20)  └ trunk.20  198.51.100.1/24
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labUnavailableReason, missingPrograms, withLab } from './index.js';
import { dhclientArgs, esc, macOf, startSite } from './support/dhcp4-site.js';

const skip = labUnavailableReason() ?? false;

test('two VLAN subinterfaces on the server: a client on each gets an address from its own VLAN\'s subnet', { skip, timeout: 90_000 }, (t) =>
  withLab({ tag: 'dhcp4-vlan' }, async (lab) => {
    assert.deepEqual(missingPrograms(['dhclient', 'curl']), []);
    const server = await lab.namespace('server');
    const sw = await lab.namespace('switch');
    const a = await lab.namespace('client-a');
    const b = await lab.namespace('client-b');
    const trunk = await lab.link(server, sw);
    const v10 = await lab.vlan(server, trunk.a, 10, { address: '192.0.2.1/24' });
    const v20 = await lab.vlan(server, trunk.a, 20, { address: '198.51.100.1/24' });
    t.diagnostic(`VLAN subinterfaces: ${v10.mechanism === 'kernel' ? "the kernel's 802.1Q devices" : 'userspace stand-in (kernel without CONFIG_VLAN_8021Q)'}`);
    const s10 = await lab.vlan(sw, trunk.b, 10);
    const s20 = await lab.vlan(sw, trunk.b, 20);
    const br10 = await lab.bridge(sw);
    const br20 = await lab.bridge(sw);
    await sw.ip('link', 'set', 'dev', s10.name, 'master', br10.name);
    await sw.ip('link', 'set', 'dev', s20.name, 'master', br20.name);
    const ifA = (await lab.attach(br10, a)).iface;
    const ifB = (await lab.attach(br20, b)).iface;

    const dir = await lab.tempDir();
    const site = await startSite(server, dir, {
      interfaces: [{ name: v10.name, address: '192.0.2.1' }, { name: v20.name, address: '198.51.100.1' }],
      leaseTime: 600,
      subnets: [
        { id: 10, subnet: '192.0.2.0/24', interface: v10.name, pools: [{ start: '192.0.2.100', end: '192.0.2.199' }], options: { routers: ['192.0.2.1'] } },
        { id: 20, subnet: '198.51.100.0/24', interface: v20.name, pools: [{ start: '198.51.100.100', end: '198.51.100.199' }], options: { routers: ['198.51.100.1'] } },
      ],
    });
    assert.match(site.daemon.output(), new RegExp(`"interfaces":\\[[^\\]]*"${esc(v10.name)}"[^\\]]*"${esc(v20.name)}"`), site.daemon.output());

    const dhA = a.spawn('dhclient', ['-d', '-1', ...dhclientArgs(dir, 'a'), ifA]);
    const dhB = b.spawn('dhclient', ['-d', '-1', ...dhclientArgs(dir, 'b'), ifB]);
    const gotA = /bound to (\S+)/.exec(await dhA.waitForLine(/bound to \d+\.\d+\.\d+\.\d+/, 30_000))![1]!;
    const gotB = /bound to (\S+)/.exec(await dhB.waitForLine(/bound to \d+\.\d+\.\d+\.\d+/, 30_000))![1]!;
    assert.match(gotA, /^192\.0\.2\.1\d\d$/, 'client on VLAN 10 gets an address of 192.0.2.0/24');
    assert.match(gotB, /^198\.51\.100\.1\d\d$/, 'client on VLAN 20 gets an address of 198.51.100.0/24');
    assert.match(dhA.output(), /DHCPACK (of \S+ )?from 192\.0\.2\.1\b/, 'VLAN 10 is answered from VLAN 10\'s address');
    assert.match(dhB.output(), /DHCPACK (of \S+ )?from 198\.51\.100\.1\b/, 'VLAN 20 is answered from VLAN 20\'s address');
    assert.match(await a.ip('-o', '-4', 'addr', 'show', 'dev', ifA), new RegExp(`inet ${esc(gotA)}/24 `));
    assert.match(await b.ip('-o', '-4', 'addr', 'show', 'dev', ifB), new RegExp(`inet ${esc(gotB)}/24 `));
    const [leaseA] = await site.leases(`address=${gotA}`);
    const [leaseB] = await site.leases(`address=${gotB}`);
    assert.equal(leaseA?.state, 'bound');
    assert.equal(leaseA?.hwAddress, await macOf(a, ifA));
    assert.equal(leaseA?.subnetId, 10);
    assert.equal(leaseB?.state, 'bound');
    assert.equal(leaseB?.hwAddress, await macOf(b, ifB));
    assert.equal(leaseB?.subnetId, 20);
    // Each client sees only its own VLAN: a's traffic never reached b's link.
    assert.doesNotMatch(dhA.output(), /198\.51\.100\./);
    assert.doesNotMatch(dhB.output(), /192\.0\.2\./);
    await dhA.stop();
    await dhB.stop();
  }));
