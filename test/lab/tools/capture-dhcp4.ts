// Captures real DHCPv4 traffic for the codec's fixtures (test/fixtures/dhcp4/):
// kea-dhcp4 serves 192.0.2.0/24 in a "server" namespace; dhclient, dhcpcd, udhcpc
// and perfdhcp run one after another in a "client" namespace joined to it by a
// veth pair; tcpdump records each run on the server's end. Every datagram is
// written as a hex file with a header naming its origin.
//
//   node dist/test/lab/tools/capture-dhcp4.js [--out DIR]     (root; lab packages
//   plus dhcpcd-base, udhcpc, tcpdump; default DIR test/fixtures/dhcp4)
//
// Clients never touch the host: each runs inside the lab's namespaces, in a
// private mount namespace where /etc/resolv.conf is a bind-mounted scratch file
// and dhcpcd's /run and /var/lib/dhcpcd are tmpfs; their scripts are this tool's
// own and only add the leased lab address inside the client namespace. The lab
// removes namespaces, processes and temp dirs, pass or fail.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { withLab, type Netns } from '../index.js';
import { repoRoot } from '../../support/paths.js';
import { hexLines, pkgVersion } from './fixture-text.js';
import { readPcapUdp, type UdpDatagram } from './pcap.js';

const SERVER_CIDR = '192.0.2.1/24';
const CLIENT_CIDR = '192.0.2.2/24';
const MAX_PER_RUN = 24;
const MESSAGE_TYPES = ['', 'discover', 'offer', 'request', 'decline', 'ack', 'nak', 'release', 'inform'];

interface Run {
  /** File name prefix. */
  readonly name: string;
  /** Program and Debian package version, for the header. */
  readonly origin: string;
  readonly notes: string;
  /** Shell script run inside the client namespace (sh -c, in a private mount namespace). */
  readonly script: (dir: string, ifname: string) => string;
  readonly timeoutMs: number;
}

/** Kea splits option data at commas; a backslash keeps one in a string. */
const esc = (s: string) => s.replaceAll(',', '\\,');

function keaConfig(ifname: string, dir: string): unknown {
  const always = { 'always-send': true };
  return {
    Dhcp4: {
      'interfaces-config': { interfaces: [ifname], 'dhcp-socket-type': 'raw' },
      'lease-database': { type: 'memfile', persist: true, name: join(dir, 'kea-leases4.csv'), 'lfc-interval': 0 },
      'valid-lifetime': 3600,
      'renew-timer': 900,
      'rebind-timer': 1800,
      // Answer option 81 (no D2 listens: the name change requests just fail on loopback).
      'dhcp-ddns': { 'enable-updates': true, 'server-ip': '127.0.0.1', 'server-port': 53001 },
      'ddns-qualifying-suffix': 'example.com',
      'option-def': [
        { name: 'tftp-server-address', code: 150, type: 'ipv4-address', array: true, space: 'dhcp4' },
        { name: 'avaya-176', code: 176, type: 'string', space: 'dhcp4' },
        { name: 'avaya-242', code: 242, type: 'string', space: 'dhcp4' },
        { name: 'wpad-url', code: 252, type: 'string', space: 'dhcp4' },
      ],
      subnet4: [
        {
          id: 1,
          subnet: '192.0.2.0/24',
          pools: [{ pool: '192.0.2.100 - 192.0.2.199' }],
          'option-data': [
            { name: 'routers', data: '192.0.2.1' },
            { name: 'domain-name-servers', data: '192.0.2.1, 198.51.100.53' },
            { name: 'domain-name', data: 'example.com' },
            { name: 'ntp-servers', data: '192.0.2.1', ...always },
            { name: 'domain-search', data: 'voice.example.com, example.com', ...always },
            // 198.51.100.0/24 via 192.0.2.1, 203.0.113.0/25 via 192.0.2.254 (RFC 3442 bytes).
            { code: 121, space: 'dhcp4', 'csv-format': false, data: '18C63364C0000201' + '19CB007100C00002FE', ...always },
            { name: 'tftp-server-name', data: '192.0.2.1', ...always },
            { name: 'boot-file-name', data: 'SIPDefault.cnf', ...always },
            { name: 'tftp-server-address', data: '192.0.2.1, 198.51.100.69', ...always },
            { name: 'avaya-176', data: esc('MCIPADD=192.0.2.10,MCPORT=1719,TFTPSRVR=192.0.2.1,L2Q=1,L2QVLAN=20'), ...always },
            { name: 'avaya-242', data: esc('MCIPADD=192.0.2.10,MCPORT=1719,HTTPSRVR=192.0.2.1'), ...always },
            { name: 'wpad-url', data: 'http://192.0.2.1/wpad.dat', ...always },
            // Cisco-style sub-option 241: WLC addresses.
            { name: 'vendor-encapsulated-options', 'csv-format': false, data: 'F108C0000205C0000206', ...always },
          ],
        },
      ],
      loggers: [{ name: 'kea-dhcp4', output_options: [{ output: 'stdout' }], severity: 'INFO' }],
    },
  };
}

const NOOP_SCRIPT = '#!/bin/sh\n# capture-dhcp4: a client script that changes nothing.\nexit 0\n';
// udhcpc releases from the leased address, so it must exist (inside the client namespace only).
const UDHCPC_SCRIPT = `#!/bin/sh
# capture-dhcp4: add the leased lab address inside the client namespace; nothing else.
echo "udhcpc.sh $1 ip=$ip mask=$mask" >&2
case "$1" in
  bound|renew) case "$ip" in 192.0.2.*) ip addr add "$ip/$mask" dev "$interface" ;; esac ;;
esac
exit 0
`;
const DHCLIENT_CONF = `# capture-dhcp4: dhclient's options for the fixtures
option rfc3442-classless-static-routes code 121 = array of unsigned integer 8;
option avaya-176 code 176 = text;
option avaya-242 code 242 = text;
option tftp-server-address code 150 = array of ip-address;
option wpad-url code 252 = text;
send host-name "outpost-lab";
send dhcp-client-identifier = hardware;
send fqdn.fqdn "outpost-lab.example.com.";
send fqdn.encoded on;
send fqdn.server-update on;
send vendor-class-identifier "outpost-lab-dhclient";
request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers, domain-search,
  host-name, ntp-servers, rfc3442-classless-static-routes, tftp-server-name, bootfile-name,
  tftp-server-address, avaya-176, avaya-242, wpad-url, vendor-encapsulated-options;
`;
const DHCPCD_CONF = `# capture-dhcp4: dhcpcd's options for the fixtures
ipv4only
noipv4ll
noarp
duid
hostname outpost-lab
fqdn both
userclass outpost-voice
userclass outpost-lab
option rapid_commit
option domain_name_servers, domain_name, domain_search, host_name, classless_static_routes, ntp_servers, interface_mtu
`;

// Prologue of every client script: scratch resolv.conf, private state dirs.
const PROLOGUE = (dir: string) => `set -e
mount --make-rprivate /
mount --bind ${dir}/resolv.conf /etc/resolv.conf
`;

function runs(): Run[] {
  const dhclient = pkgVersion('isc-dhcp-client');
  const dhcpcd = pkgVersion('dhcpcd-base');
  const udhcpc = pkgVersion('udhcpc');
  const perfdhcp = pkgVersion('kea-admin');
  return [
    {
      name: 'dhclient',
      origin: `dhclient (isc-dhcp-client ${dhclient})`,
      notes: 'dhclient -1 (DORA), -x, -1 again (INIT-REBOOT from its lease file), -x, -1 with a lease file holding 203.0.113.77 (INIT-REBOOT, NAK, DORA), -r (RELEASE); config: send host-name, client-identifier = hardware, fqdn (encoded, server-update), vendor-class; requests 1,28,3,15,6,119,12,42,121,66,67,150,176,242,252,43',
      timeoutMs: 40_000,
      script: (dir, ifname) => `${PROLOGUE(dir)}
A="-4 -v -cf ${dir}/dhclient.conf -lf ${dir}/dhclient.leases -pf ${dir}/dhclient.pid -sf ${dir}/noop.sh"
dhclient $A -1 ${ifname}
sleep 1
dhclient $A -x ${ifname}
sleep 1
dhclient $A -1 ${ifname}
sleep 1
dhclient $A -x ${ifname}
cat > ${dir}/dhclient.leases <<LEASE
lease {
  interface "${ifname}";
  fixed-address 203.0.113.77;
  option subnet-mask 255.255.255.0;
  option dhcp-server-identifier 192.0.2.1;
  renew 4 2037/1/1 00:00:01;
  rebind 4 2037/1/1 00:00:01;
  expire 4 2037/1/1 00:00:01;
}
LEASE
dhclient $A -1 ${ifname}
sleep 1
dhclient $A -r ${ifname}
sleep 1
`,
    },
    {
      name: 'dhcpcd',
      origin: `dhcpcd (dhcpcd-base ${dhcpcd})`,
      notes: 'dhcpcd -w (DORA), dhcpcd -k (RELEASE); config: duid (RFC 4361 client id), hostname, fqdn both, two user classes (RFC 3004), rapid_commit, requests DNS, domain, search, routes, NTP, MTU',
      timeoutMs: 40_000,
      script: (dir, ifname) => `${PROLOGUE(dir)}
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /var/lib/dhcpcd
dhcpcd -f ${dir}/dhcpcd.conf -4 -c ${dir}/noop.sh -t 20 -w ${ifname}
sleep 1
dhcpcd -f ${dir}/dhcpcd.conf -4 -k ${ifname}
sleep 1
dhcpcd -x ${ifname} 2>/dev/null || true
`,
    },
    {
      name: 'udhcpc',
      origin: `udhcpc (busybox udhcpc ${udhcpc})`,
      notes: 'udhcpc -f -R (DORA), SIGUSR2 (RELEASE), SIGTERM; -x hostname, -F FQDN, requests 119, 121, 42, 66, 67, 150, 176, 242, 252, 43',
      timeoutMs: 30_000,
      script: (dir, ifname) => `${PROLOGUE(dir)}
udhcpc -i ${ifname} -f -R -t 3 -T 2 -s ${dir}/udhcpc.sh -x hostname:outpost-lab -F outpost-lab.example.com \\
  -O 119 -O 121 -O 42 -O 66 -O 67 -O 150 -O 176 -O 242 -O 252 -O 43 &
pid=$!
for i in 1 2 3 4 5 6 7 8 9 10; do ip -4 addr show dev ${ifname} | grep -q 'inet 192.0.2.1[0-9][0-9]/' && break; sleep 1; done
kill -USR2 $pid
sleep 1
kill -TERM $pid
wait $pid || true
`,
    },
    {
      name: 'perfdhcp',
      origin: `perfdhcp (kea-admin ${perfdhcp})`,
      notes: 'perfdhcp -4 -l 192.0.2.2 -n 2 -R 2 (two DORA exchanges as a relay: giaddr set, from port 67) with -o 82 (circuit-id "ge-0/0/1.20", remote-id "switch-a", link-selection 192.0.2.0)',
      timeoutMs: 30_000,
      script: (dir) => `${PROLOGUE(dir)}
perfdhcp -4 -l 192.0.2.2 -r 1 -n 2 -R 2 -p 6 \\
  -o 82,010b67652d302f302f312e323002087377697463682d610504c0000200 192.0.2.1 || true
sleep 1
`,
    },
  ];
}

function messageTypeOf(p: Buffer): string {
  // Plain scan of the options field; only for naming the file (the tests decode properly).
  let i = 240;
  while (i + 1 < p.length && p[i] !== 255) {
    if (p[i] === 0) {
      i++;
      continue;
    }
    if (p[i] === 53) return MESSAGE_TYPES[p[i + 2]!] ?? `type${p[i + 2]}`;
    i += 2 + p[i + 1]!;
  }
  return 'bootp';
}

async function captureRun(server: Netns, client: Netns, serverIf: string, clientIf: string, dir: string, run: Run): Promise<UdpDatagram[]> {
  const pcap = join(dir, `${run.name}.pcap`);
  const dump = server.spawn('tcpdump', ['-i', serverIf, '-n', '-U', '-s', '0', '-w', pcap, 'udp and (port 67 or port 68)']);
  await dump.waitForLine(/listening on/, 10_000);
  const r = await client.run('unshare', ['-m', 'sh', '-c', run.script(dir, clientIf)], { timeoutMs: run.timeoutMs });
  console.log(`--- ${run.name}: exit ${r.code}${r.timedOut ? ' (timed out)' : ''}\n${(r.stdout + r.stderr).trim().split('\n').slice(-12).join('\n')}`);
  await new Promise((res) => setTimeout(res, 500));
  await dump.stop();
  return readPcapUdp(readFileSync(pcap));
}

async function main(): Promise<void> {
  const outIdx = process.argv.indexOf('--out');
  const out = outIdx > 0 ? process.argv[outIdx + 1]! : join(repoRoot, 'test', 'fixtures', 'dhcp4');
  const kea = `kea-dhcp4 (kea-dhcp4-server ${pkgVersion('kea-dhcp4-server')})`;
  const tcpdump = `tcpdump ${pkgVersion('tcpdump')}`;
  const date = new Date().toISOString().slice(0, 10);
  const written: string[] = [];
  await withLab({ tag: 'cap4' }, async (lab) => {
    const server = await lab.namespace('server');
    const client = await lab.namespace('client');
    const ends = await lab.link(server, client, { a: SERVER_CIDR, b: CLIENT_CIDR });
    const dir = await lab.tempDir();
    writeFileSync(join(dir, 'kea-dhcp4.json'), JSON.stringify(keaConfig(ends.a, dir), null, 2));
    writeFileSync(join(dir, 'resolv.conf'), '# capture-dhcp4 scratch resolv.conf\n');
    writeFileSync(join(dir, 'noop.sh'), NOOP_SCRIPT);
    writeFileSync(join(dir, 'udhcpc.sh'), UDHCPC_SCRIPT);
    writeFileSync(join(dir, 'dhclient.conf'), DHCLIENT_CONF);
    writeFileSync(join(dir, 'dhcpcd.conf'), DHCPCD_CONF);
    chmodSync(join(dir, 'noop.sh'), 0o755);
    chmodSync(join(dir, 'udhcpc.sh'), 0o755);
    const keaProc = server.spawn('kea-dhcp4', ['-c', join(dir, 'kea-dhcp4.json')], { env: { KEA_PIDFILE_DIR: dir, KEA_LOCKFILE_DIR: dir } });
    await keaProc.waitForLine(/DHCP4_STARTED/, 15_000);

    mkdirSync(out, { recursive: true });
    for (const f of readdirSync(out)) if (f.endsWith('.hex')) rmSync(join(out, f));
    for (const run of runs()) {
      // Reset the client side: no address but the static one.
      await client.ip('addr', 'flush', 'dev', ends.b);
      await client.addAddress(ends.b, CLIENT_CIDR);
      const grams = (await captureRun(server, client, ends.a, ends.b, dir, run)).filter((g) => g.payload.length >= 240);
      let n = 0;
      for (const g of grams.slice(0, MAX_PER_RUN)) {
        n++;
        const reply = g.payload[0] === 2;
        const type = messageTypeOf(g.payload);
        const file = `${run.name}-${String(n).padStart(2, '0')}-${reply ? 'kea-' : ''}${type}.hex`;
        const who = reply ? `sent by ${kea} in reply to ${run.origin}` : `sent by ${run.origin} to ${kea}`;
        const header = [
          `# DHCP${type.toUpperCase()} ${who}`,
          `# ${g.src}:${g.sport} -> ${g.dst}:${g.dport}, ${g.payload.length} bytes (UDP payload), captured ${date} on Debian 12`,
          `# with ${tcpdump} on the server's end of a veth pair between two network namespaces (192.0.2.0/24)`,
          `# by test/lab/tools/capture-dhcp4.ts. Run: ${run.notes}`,
        ];
        writeFileSync(join(out, file), `${header.join('\n')}\n${hexLines(g.payload)}\n`);
        written.push(file);
      }
      if (n === 0) console.log(`!!! ${run.name}: no DHCP datagrams captured`);
    }
    await keaProc.stop();
  });
  console.log(`wrote ${written.length} fixtures to ${out}:\n${written.join('\n')}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
