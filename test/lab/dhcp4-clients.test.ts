// Outpost's DHCPv4 server (the real `outpost site run`) against real clients in
// network namespaces: ISC dhclient, dhcpcd and busybox udhcpc on a directly attached
// link. Each client must get a lease whose address really lands on its interface,
// and the server's lease query must show it.
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { labUnavailableReason, missingPrograms, withLab, type Lab, type Netns } from './index.js';

const FIXTURES = fileURLToPath(new URL('../../../test/lab/fixtures/', import.meta.url));
const OUTPOST = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const skip = labUnavailableReason() ?? false;

interface Served {
  server: Netns;
  client: Netns;
  clientIf: string;
  dir: string;
  statusUrl: string;
  leases: (query: string) => Promise<{ address: string; state: string; hwAddress: string; hostname: string | null }[]>;
}

/**
 * Our site daemon serving 192.0.2.0/24 on the server end of a veth pair; or, relayed,
 * serving 198.51.100.0/24 to a client behind a dhcrelay namespace
 * (client —198.51.100.0/24— relay —203.0.113.0/24— server).
 */
async function serve(lab: Lab, extra: Record<string, unknown> = {}, relayed = false, tweak: (subnet: Record<string, unknown>) => void = () => {}): Promise<Served> {
  const server = await lab.namespace('server');
  const client = await lab.namespace('client');
  let ends: { a: string; b: string };
  let subnets: Record<string, unknown>[];
  if (relayed) {
    const relay = await lab.namespace('relay');
    const up = await lab.link(server, relay, { a: '203.0.113.1/24', b: '203.0.113.2/24' });
    const down = await lab.link(relay, client, { a: '198.51.100.1/24' });
    await server.addRoute('198.51.100.0/24', { via: '203.0.113.2' });
    const dhcrelay = relay.spawn('dhcrelay', ['-4', '-d', '--no-pid', '-id', down.a, '-iu', up.b, '203.0.113.1']);
    await dhcrelay.waitForLine(/Sending on +Socket/, 10_000);
    ends = { a: up.a, b: down.b };
    subnets = [{ id: 2, subnet: '198.51.100.0/24', pools: [{ start: '198.51.100.100', end: '198.51.100.199' }], options: { routers: ['198.51.100.1'] } }];
  } else {
    ends = await lab.link(server, client, { a: '192.0.2.1/24' });
    subnets = [{ id: 1, subnet: '192.0.2.0/24', interface: ends.a, pools: [{ start: '192.0.2.100', end: '192.0.2.199' }] }];
  }
  subnets.forEach((n) => tweak(n as Record<string, unknown>));
  const dir = await lab.tempDir();
  const config = {
    version: 1,
    site: { name: 'lab' },
    server: { name: 'lab-1' },
    status: { listen: '127.0.0.1', port: 9180 },
    log: { level: 'info' },
    dhcp: {
      interfaces: [{ name: ends.a, address: relayed ? '203.0.113.1' : '192.0.2.1' }],
      leaseDir: join(dir, 'leases'),
      leaseTime: 600,
      options: { resolvers: { servers: ['192.0.2.1'], domain: 'lab.example' } },
      subnets,
      ...extra,
    },
  };
  writeFileSync(join(dir, 'site.json'), JSON.stringify(config, null, 2));
  const daemon = server.spawn(process.execPath, [OUTPOST, 'site', 'run', '--config', join(dir, 'site.json')]);
  await daemon.waitForLine(/"code":"DHCP_LISTENING"/, 20_000);
  const statusUrl = 'http://127.0.0.1:9180';
  const leases = async (query: string) => {
    const r = await server.run('curl', ['-sf', `${statusUrl}/leases?${query}`], { timeoutMs: 10_000 });
    assert.equal(r.code, 0, `lease query failed: ${r.stderr}\n${daemon.output()}`);
    return (JSON.parse(r.stdout) as { leases: Served['leases'] extends (q: string) => Promise<infer T> ? T : never }).leases;
  };
  return { server, client, clientIf: ends.b, dir, statusUrl, leases };
}

const macOf = async (ns: Netns, ifname: string) => (JSON.parse(await ns.ip('-j', 'link', 'show', 'dev', ifname)) as { address: string }[])[0]!.address;
const esc = (s: string) => s.replaceAll('.', '\\.');

test('dhclient: lease, address on the interface, INIT-REBOOT keeps it, release frees it', { skip, timeout: 90_000 }, async () => {
  assert.deepEqual(missingPrograms(['dhclient', 'curl']), []);
  await withLab({ tag: 'dhcp4-dhclient' }, async (lab) => {
    const s = await serve(lab);
    const script = join(s.dir, 'dhclient-script.sh');
    copyFileSync(join(FIXTURES, 'dhclient-script.sh'), script);
    chmodSync(script, 0o755);
    const common = ['-v', '-cf', join(FIXTURES, 'dhclient.conf'), '-sf', script, '-lf', join(s.dir, 'dhclient.leases'), '-pf', join(s.dir, 'dhclient.pid')];
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
    const udhcpcScript = join(s.dir, 'udhcpc.sh');
    writeFileSync(udhcpcScript, `#!/bin/sh
# Applies the lab address inside the client namespace only, and says what it got.
case "$1" in bound|renew) case "$ip" in 192.0.2.*) ip addr replace "$ip/$mask" dev "$interface" ;; esac ;; esac
echo "udhcpc-script $1 ip=$ip"
`);
    chmodSync(udhcpcScript, 0o755);
    const udhcpc = s.client.spawn('udhcpc', ['-i', s.clientIf, '-f', '-q', '-t', '5', '-T', '2', '-s', udhcpcScript]);
    const got = /ip=(\S+)/.exec(await udhcpc.waitForLine(/udhcpc-script bound ip=192\.0\.2\.\d+/, 30_000))![1]!;
    assert.equal((await s.leases(`address=${got}`))[0]?.state, 'bound');
    await udhcpc.stop();
    await s.client.ip('addr', 'flush', 'dev', s.clientIf);

    // dhcpcd keeps state in /run and /var/lib/dhcpcd: private tmpfs in its own mount namespace.
    writeFileSync(join(s.dir, 'dhcpcd.conf'), 'ipv4only\nnoipv4ll\nnoarp\nnohook resolv.conf\nnohook hostname\nclientid\n');
    writeFileSync(join(s.dir, 'noop.sh'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(s.dir, 'noop.sh'), 0o755);
    const dhcpcd = await s.client.run('unshare', ['-m', 'sh', '-c', `mount --make-rprivate / && mount -t tmpfs tmpfs /run && mkdir -p /var/lib/dhcpcd && mount -t tmpfs tmpfs /var/lib/dhcpcd && dhcpcd -f ${s.dir}/dhcpcd.conf -4 -c ${s.dir}/noop.sh -t 20 -w -1 ${s.clientIf} && ip -4 -o addr show dev ${s.clientIf}`], { timeoutMs: 40_000 });
    assert.equal(dhcpcd.code, 0, dhcpcd.stdout + dhcpcd.stderr);
    const dhcpcdAddr = /inet (192\.0\.2\.\d+)\/24/.exec(dhcpcd.stdout)?.[1];
    // Same interface, same MAC: the server rightly knows it as the client udhcpc was.
    assert.equal(dhcpcdAddr, got, `dhcpcd: ${dhcpcd.stdout}`);
    assert.equal((await s.leases(`address=${dhcpcdAddr}`))[0]?.state, 'bound');
  });
});

function udhcpcScript(dir: string): string {
  const path = join(dir, 'udhcpc.sh');
  writeFileSync(path, `#!/bin/sh
# Applies lab addresses inside the client namespace only; prints what the server sent.
case "$1" in bound|renew) case "$ip" in 192.0.2.*|198.51.100.*) ip addr replace "$ip/$mask" dev "$interface" ;; esac ;; esac
echo "udhcpc-script $1 ip=$ip opt43=$opt43 avaya=$opt242"
`);
  chmodSync(path, 0o755);
  return path;
}

test('dhclient through dhcrelay: the relay\'s giaddr selects the subnet and the reply comes back through it', { skip, timeout: 90_000 }, async () => {
  assert.deepEqual(missingPrograms(['dhcrelay', 'dhclient']), []);
  await withLab({ tag: 'dhcp4-relay' }, async (lab) => {
    const s = await serve(lab, {}, true);
    const script = join(s.dir, 'dhclient-script.sh');
    copyFileSync(join(FIXTURES, 'dhclient-script.sh'), script);
    chmodSync(script, 0o755);
    const dhclient = s.client.spawn('dhclient', ['-d', '-1', '-v', '-cf', join(FIXTURES, 'dhclient.conf'), '-sf', script, '-lf', join(s.dir, 'l'), '-pf', join(s.dir, 'p'), s.clientIf]);
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
    const s = await serve(lab, {
      classes: [
        { name: 'aruba-ap', match: { vendorClass: [{ equals: 'ArubaAP' }] }, options: { aruba: { controller: '192.0.2.72' } } },
        { name: 'avaya-phone', match: { vendorClass: [{ prefix: 'ccp.avaya.com' }] }, options: { avaya: { mcIpAdd: ['192.0.2.70'], l2q: 'on', l2qVlan: 20 } } },
      ],
    }, false, (subnet) => { subnet.reservations = [{ hwAddress: reservedMac, address: '192.0.2.42', hostname: 'pbx' }]; });
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
