// The native UDP socket where it matters: a DHCP-style server with two VLAN
// subinterfaces on one trunk, clients broadcasting to 255.255.255.255:67 from port 68.
// The server must see on which VLAN each broadcast arrived, and a broadcast reply sent
// with one VLAN's ifindex must reach only that VLAN. The trunk carries real 802.1Q
// frames; the subinterfaces are the kernel's VLAN devices, or the lab's userspace
// stand-in on kernels without them (lab.vlan, test/lab/vlan.py).
//
//   client-a ── br10 ─ trunk.10 ┐                       ┌ trunk.10  192.0.2.1/24
//   192.0.2.2/24                ├ switch ══ trunk ══ server
//   client-b ── br20 ─ trunk.20 ┘     (802.1Q, VLANs 10 and 20)  └ trunk.20  198.51.100.1/24
//   198.51.100.2/24
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { labUnavailableReason, withLab, type Lab, type LabProcess, type Netns } from './index.js';
import { repoRoot } from '../support/paths.js';

const skip = labUnavailableReason() ?? false;
const MODULE = pathToFileURL(join(repoRoot, 'dist', 'src', 'runtime', 'udp4-socket.js')).href;

// The server: a Udp4Socket on 0.0.0.0:67 reporting every datagram as a JSON line, plus
// one bound to the VLAN 20 interface (SO_BINDTODEVICE) on 6767. A datagram
// "reply-via IFNAME TAG [from]" makes it broadcast "reply TAG" to 255.255.255.255:68
// with IFNAME's ifindex, and with "from", IFNAME's address as source (without it the
// ifindex alone must pick the VLAN). Lives at most 60 s.
const SERVER = `
import { Udp4Socket, interfaceIndex, interfaceName } from ${JSON.stringify(MODULE)};
const [if10, if20] = process.argv.slice(1);
const u32 = (t) => t.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const text = (n) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const source = new Map([[interfaceIndex(if10), u32('192.0.2.1')], [interfaceIndex(if20), u32('198.51.100.1')]]);
const report = (socket, name) => socket.onMessage((d) => {
  const data = String(d.data);
  console.log(JSON.stringify({ socket: name, data, from: text(d.from), fromPort: d.fromPort, ifindex: d.ifindex, ifname: interfaceName(d.ifindex), to: text(d.to) }));
  const m = /^reply-via (\\S+) (\\S+)( from)?$/.exec(data);
  if (m) {
    const ifindex = interfaceIndex(m[1]);
    const ok = socket.send(Buffer.from('reply ' + m[2]), 0xffffffff, 68, m[3] ? { ifindex, from: source.get(ifindex) } : { ifindex });
    console.log(JSON.stringify({ replied: m[2], via: m[1], ok, stats: socket.stats() }));
  }
});
report(Udp4Socket.open({ port: 67, broadcast: true, reuseAddr: true }), 'any');
report(Udp4Socket.open({ port: 6767, device: if20 }), 'device');
console.log(JSON.stringify({ ready: true, ifindex: { [if10]: interfaceIndex(if10), [if20]: interfaceIndex(if20) } }));
setTimeout(() => process.exit(2), 60000);
`;

// A client's receiver: node:dgram on 0.0.0.0:68, one JSON line per datagram, for at most MS.
const LISTENER = `
import { createSocket } from 'node:dgram';
const s = createSocket({ type: 'udp4', reuseAddr: true });
s.on('message', (m, r) => console.log(JSON.stringify({ data: String(m), from: r.address, fromPort: r.port })));
s.bind(68, '0.0.0.0', () => console.log('listening'));
setTimeout(() => s.close(), Number(process.argv[1]));
`;

// A client's sender: one datagram from BIND:68 (SO_BROADCAST on), then exit. Bound to the
// client's address because a namespace without a default route has no route to
// 255.255.255.255 otherwise (a real DHCP client uses a raw socket instead).
const SENDER = `
import { createSocket } from 'node:dgram';
const [bind, to, port, text] = process.argv.slice(1);
const s = createSocket({ type: 'udp4', reuseAddr: true });
s.bind(68, bind, () => {
  s.setBroadcast(true);
  s.send(text, Number(port), to, (e) => { if (e) { console.error(e.message); process.exitCode = 1; } s.close(); });
});
`;

const node = (ns: Netns, script: string, args: string[]) => ns.spawn(process.execPath, ['--input-type=module', '-e', script, ...args]);

async function send(ns: Netns, bind: string, to: string, port: number, text: string): Promise<void> {
  const r = await ns.run(process.execPath, ['--input-type=module', '-e', SENDER, bind, to, String(port), text], { timeoutMs: 10_000 });
  assert.equal(r.code, 0, `sender in ${ns.logical}: ${r.stderr}`);
}

interface Seen { socket?: string; data: string; from: string; fromPort: number; ifindex?: number; ifname?: string; to?: string }

/** Waits for the JSON line whose data is `data`, from line `since` on. */
async function line(proc: LabProcess, data: string, since: number): Promise<Seen> {
  const text = await proc.waitForLine(new RegExp(`"data":${JSON.stringify(data).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), 5_000, since);
  return JSON.parse(text) as Seen;
}

const received = (proc: LabProcess): string[] =>
  proc.output().split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as Partial<Seen>).data)
    .filter((d): d is string => typeof d === 'string');

/** Server with VLANs 10 and 20 on one trunk, a switch, one client per VLAN. */
async function vlanLab(lab: Lab) {
  const server = await lab.namespace('server');
  const sw = await lab.namespace('switch');
  const a = await lab.namespace('client-a');
  const b = await lab.namespace('client-b');
  const trunk = await lab.link(server, sw);
  const v10 = await lab.vlan(server, trunk.a, 10, { address: '192.0.2.1/24' });
  const v20 = await lab.vlan(server, trunk.a, 20, { address: '198.51.100.1/24' });
  await lab.vlan(sw, trunk.b, 10);
  await lab.vlan(sw, trunk.b, 20);
  const if10 = v10.name;
  const if20 = v20.name;
  const mechanism = v10.mechanism;
  const br10 = await lab.bridge(sw);
  const br20 = await lab.bridge(sw);
  await sw.ip('link', 'set', 'dev', `${trunk.b}.10`, 'master', br10.name);
  await sw.ip('link', 'set', 'dev', `${trunk.b}.20`, 'master', br20.name);
  await lab.attach(br10, a, { address: '192.0.2.2/24' });
  await lab.attach(br20, b, { address: '198.51.100.2/24' });
  const ifindex = async (name: string): Promise<number> => Number(/^(\d+):/.exec(await server.ip('-o', 'link', 'show', 'dev', name))?.[1]);
  return { server, a, b, if10, if20, index10: await ifindex(if10), index20: await ifindex(if20), mechanism };
}

test('a server on two VLAN subinterfaces sees which VLAN each broadcast came in on and replies out of the one it picks', { skip, timeout: 90_000 }, (t) =>
  withLab({ tag: 'udp4' }, async (lab) => {
    const { server, a, b, if10, if20, index10, index20, mechanism } = await vlanLab(lab);
    t.diagnostic(`VLAN subinterfaces: ${mechanism === 'kernel' ? "the kernel's 802.1Q devices" : 'userspace stand-in (kernel without CONFIG_VLAN_8021Q)'}`);
    assert.ok(index10 > 0 && index20 > 0 && index10 !== index20, `ifindexes ${index10} ${index20}`);

    const srv = node(server, SERVER, [if10, if20]);
    const ready = JSON.parse(await srv.waitForLine(/"ready":true/, 10_000)) as { ifindex: Record<string, number> };
    assert.deepEqual(ready.ifindex, { [if10]: index10, [if20]: index20 }, 'interfaceIndex agrees with ip link');
    const listenA = node(a, LISTENER, ['30000']);
    const listenB = node(b, LISTENER, ['30000']);
    await listenA.waitForLine(/^listening$/, 10_000);
    await listenB.waitForLine(/^listening$/, 10_000);

    // Broadcasts in: the arrival interface tells the VLAN, `to` says it was a broadcast.
    let mark = srv.mark();
    await send(a, '192.0.2.2', '255.255.255.255', 67, 'discover from a');
    assert.deepEqual(await line(srv, 'discover from a', mark), {
      socket: 'any', data: 'discover from a', from: '192.0.2.2', fromPort: 68, ifindex: index10, ifname: if10, to: '255.255.255.255',
    });
    mark = srv.mark();
    await send(b, '198.51.100.2', '255.255.255.255', 67, 'discover from b');
    assert.deepEqual(await line(srv, 'discover from b', mark), {
      socket: 'any', data: 'discover from b', from: '198.51.100.2', fromPort: 68, ifindex: index20, ifname: if20, to: '255.255.255.255',
    });
    // A unicast (a renewing client) is told apart by its destination.
    mark = srv.mark();
    await send(a, '192.0.2.2', '192.0.2.1', 67, 'renew from a');
    assert.deepEqual(await line(srv, 'renew from a', mark), {
      socket: 'any', data: 'renew from a', from: '192.0.2.2', fromPort: 68, ifindex: index10, ifname: if10, to: '192.0.2.1',
    });

    // Broadcasts out: the ifindex given to send picks the VLAN, whoever asked. r2 is
    // sent without a source address, so nothing but the ifindex can route it.
    mark = srv.mark();
    await send(a, '192.0.2.2', '255.255.255.255', 67, `reply-via ${if10} r1 from`);
    assert.match(await srv.waitForLine(/"replied":"r1"/, 5_000, mark), /"ok":true/);
    assert.deepEqual(await line(listenA, 'reply r1', 0), { data: 'reply r1', from: '192.0.2.1', fromPort: 67 });
    mark = srv.mark();
    await send(a, '192.0.2.2', '255.255.255.255', 67, `reply-via ${if20} r2`);
    assert.match(await srv.waitForLine(/"replied":"r2"/, 5_000, mark), /"ok":true/);
    assert.deepEqual(await line(listenB, 'reply r2', 0), { data: 'reply r2', from: '198.51.100.1', fromPort: 67 });

    // SO_BINDTODEVICE: the socket on VLAN 20 hears client b, never client a.
    mark = srv.mark();
    await send(a, '192.0.2.2', '255.255.255.255', 6767, 'device from a');
    await send(b, '198.51.100.2', '255.255.255.255', 6767, 'device from b');
    assert.equal((await line(srv, 'device from b', mark)).socket, 'device');

    await new Promise((r) => setTimeout(r, 300)); // time for any stray copy to arrive
    assert.deepEqual(received(listenA), ['reply r1'], 'client a heard only the reply sent out of VLAN 10');
    assert.deepEqual(received(listenB), ['reply r2'], 'client b heard only the reply sent out of VLAN 20');
    const serverSaw = received(srv);
    assert.ok(!serverSaw.includes('device from a'), `the VLAN 20 socket heard VLAN 10: ${serverSaw.join(' | ')}`);
    assert.deepEqual(serverSaw.filter((d) => d.startsWith('device')), ['device from b']);
    await srv.stop();
  }));
