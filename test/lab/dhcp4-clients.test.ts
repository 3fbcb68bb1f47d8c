// Outpost's DHCPv4 server (the real `outpost site run`) against real clients in
// network namespaces: ISC dhclient, dhcpcd and busybox udhcpc on a directly attached
// link. Each client must get a lease whose address really lands on its interface,
// and the server's lease query must show it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labUnavailableReason, missingPrograms, withLab } from './index.js';
import { dhclientArgs, dhcpcdOnce, esc, macOf, serve, udhcpcScript } from './support/dhcp4-site.js';

const skip = labUnavailableReason() ?? false;

test('dhclient: lease, address on the interface, INIT-REBOOT keeps it, release frees it', { skip, timeout: 90_000 }, async () => {
  assert.deepEqual(missingPrograms(['dhclient', 'curl']), []);
  await withLab({ tag: 'dhcp4-dhclient' }, async (lab) => {
    const s = await serve(lab);
    const common = dhclientArgs(s.dir);
    const first = s.client.spawn('dhclient', ['-d', '-1', ...common, s.clientIf]);
    const bound = /bound to (\S+)/.exec(await first.waitForLine(/bound to \d+\.\d+\.\d+\.\d+/, 30_000))![1]!;
    assert.match(bound, /^192\.0\.2\.1\d\d$/);
    assert.match(await s.client.ip('-o', '-4', 'addr', 'show', 'dev', s.clientIf), new RegExp(`inet ${esc(bound)}/24 `));
    const mac = await macOf(s.client, s.clientIf);
    const [lease] = await s.leases(`address=${bound}`);
    assert.equal(lease?.state, 'bound');
    assert.equal(lease?.hwAddress, mac);
    assert.deepEqual((await s.leases(`mac=${mac}`)).map((l) => l.address), [bound]);
    await first.stop();

    // A restarted client remembers its lease and asks for it back (INIT-REBOOT).
    await s.client.ip('addr', 'flush', 'dev', s.clientIf);
    const again = s.client.spawn('dhclient', ['-d', '-1', ...common, s.clientIf]);
    await again.waitForLine(new RegExp(`DHCPREQUEST for ${esc(bound)} on`), 20_000);
    await again.waitForLine(new RegExp(`bound to ${esc(bound)}`), 20_000);
    assert.doesNotMatch(again.output(), /DHCPDISCOVER/, 'INIT-REBOOT goes straight to REQUEST');
    await again.stop();

    const release = await s.client.run('dhclient', ['-r', ...common, s.clientIf], { timeoutMs: 20_000 });
    assert.equal(release.code, 0, release.stderr);
    const deadline = Date.now() + 10_000;
    let state = '';
    while (Date.now() < deadline && (state = (await s.leases(`address=${bound}`))[0]?.state ?? '') !== 'released') await new Promise((r) => setTimeout(r, 200));
    assert.equal(state, 'released');
  });
});

test('udhcpc and dhcpcd each obtain a lease directly', { skip, timeout: 90_000 }, async () => {
  assert.deepEqual(missingPrograms(['udhcpc', 'dhcpcd']), []);
  await withLab({ tag: 'dhcp4-others' }, async (lab) => {
    const s = await serve(lab);
    const script = udhcpcScript(s.dir);
    const udhcpc = s.client.spawn('udhcpc', ['-i', s.clientIf, '-f', '-q', '-t', '5', '-T', '2', '-s', script]);
    const got = /ip=(\S+)/.exec(await udhcpc.waitForLine(/udhcpc-script bound ip=192\.0\.2\.\d+/, 30_000))![1]!;
    assert.equal((await s.leases(`address=${got}`))[0]?.state, 'bound');
    await udhcpc.stop();
    await s.client.ip('addr', 'flush', 'dev', s.clientIf);

    // dhcpcd keeps state in /run and /var/lib/dhcpcd: private tmpfs in its own mount namespace.
    const dhcpcd = await dhcpcdOnce(s.client, s.dir, s.clientIf);
    assert.equal(dhcpcd.code, 0, dhcpcd.output);
    const dhcpcdAddr = dhcpcd.address;
    // Same interface, same MAC: the server rightly knows it as the client udhcpc was.
    assert.equal(dhcpcdAddr, got, `dhcpcd: ${dhcpcd.output}`);
    assert.equal((await s.leases(`address=${dhcpcdAddr}`))[0]?.state, 'bound');
  });
});

test('dhclient through dhcrelay: the relay\'s giaddr selects the subnet and the reply comes back through it', { skip, timeout: 90_000 }, async () => {
  assert.deepEqual(missingPrograms(['dhcrelay', 'dhclient']), []);
  await withLab({ tag: 'dhcp4-relay' }, async (lab) => {
    const s = await serve(lab, { relayed: true });
    const dhclient = s.client.spawn('dhclient', ['-d', '-1', ...dhclientArgs(s.dir), s.clientIf]);
    const bound = /bound to (\S+)/.exec(await dhclient.waitForLine(/bound to \d+\.\d+\.\d+\.\d+/, 30_000))![1]!;
    assert.match(bound, /^198\.51\.100\.1\d\d$/);
    assert.equal((await s.leases(`address=${bound}`))[0]?.state, 'bound');
    await dhclient.stop();
  });
});

test('classes over the wire: an Aruba AP gets 43 and 60, an Avaya phone its 242 string, a reserved MAC its address, a plain client none of it', { skip, timeout: 90_000 }, async () => {
  assert.deepEqual(missingPrograms(['udhcpc', 'tcpdump']), []);
  await withLab({ tag: 'dhcp4-classes' }, async (lab) => {
    const reservedMac = '02:00:5e:00:53:42';
    const s = await serve(lab, { extra: {
      classes: [
        { name: 'aruba-ap', match: { vendorClass: [{ equals: 'ArubaAP' }] }, options: { aruba: { controller: '192.0.2.72' } } },
        { name: 'avaya-phone', match: { vendorClass: [{ prefix: 'ccp.avaya.com' }] }, options: { avaya: { mcIpAdd: ['192.0.2.70'], l2q: 'on', l2qVlan: 20 } } },
      ],
    }, tweak: (subnet) => { subnet.reservations = [{ hwAddress: reservedMac, address: '192.0.2.42', hostname: 'pbx' }]; } });
    const script = udhcpcScript(s.dir);
    const ask = async (vendor: string | undefined) => {
      const args = ['-i', s.clientIf, '-f', '-q', '-n', '-t', '5', '-T', '2', '-s', script, '-O', '43', '-O', '60', '-O', '242'];
      if (vendor) args.push('-V', vendor);
      const r = await s.client.run('udhcpc', args, { timeoutMs: 30_000 });
      const line = /udhcpc-script bound .*/.exec(r.stdout + r.stderr)?.[0];
      assert.ok(line, `udhcpc (${vendor}) got no lease:\n${r.stdout}${r.stderr}`);
      await s.client.ip('addr', 'flush', 'dev', s.clientIf);
      return line;
    };
    // busybox hands option 60 to no script: read the ACK off the AP's wire instead.
    const wire = s.client.spawn('tcpdump', ['-i', s.clientIf, '-l', '-U', '-n', '-vv', '-c', '2', 'udp dst port 68']);
    await wire.waitForLine(/listening on/, 10_000);
    const ap = await ask('ArubaAP');
    assert.match(ap, / opt43=3139322e302e322e3732 /, 'option 43: "192.0.2.72" as text');
    await wire.wait();
    assert.match(wire.output(), /DHCP-Message \(53\), length 1: ACK[\s\S]*Vendor-Class \(60\), length 7: "ArubaAP"/, wire.output());
    const phone = await ask('ccp.avaya.com');
    assert.match(phone, new RegExp(` avaya=${Buffer.from('MCIPADD=192.0.2.70,L2Q=1,L2QVLAN=20').toString('hex')}$`));
    const plain = await ask(undefined);
    assert.match(plain, / opt43= avaya=$/, plain);
    await s.client.ip('link', 'set', 'dev', s.clientIf, 'address', reservedMac);
    const reserved = await ask(undefined);
    assert.match(reserved, / ip=192\.0\.2\.42 /);
  });
});
