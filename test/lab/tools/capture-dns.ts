// Captures real DNS traffic for the codec's fixtures (test/fixtures/dns/), on
// loopback only: knotd and named serve a small zone (example.com, signed by knotd)
// from a temp dir on 127.0.0.1 high ports; dig and kdig query them through a
// recording proxy on 127.0.0.1 (UDP, and TCP with its 2-byte length framing) that
// keeps every message both ways. Each message is written as a hex file with a
// header naming its origin; test/fixtures/dns/README.md lists the runs.
//
//   node dist/test/lab/tools/capture-dns.js [--out DIR]
//   (Debian packages knot, knot-dnsutils, bind9, bind9-dnsutils; no root needed;
//   default DIR test/fixtures/dns)
//
// The servers and the proxy are stopped and the temp dir removed, pass or fail.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../support/paths.js';
import { hexLines, pkgVersion } from './fixture-text.js';
import { freeUdpPort } from '../../support/ports.js';

const HOST = '127.0.0.1';
const TSIG_NAME = 'tsig-key.example.';
const TSIG_SECRET = Buffer.from('outpost capture key, not secret!').toString('base64');

interface Captured {
  readonly dir: 'query' | 'response';
  readonly transport: 'UDP' | 'TCP';
  readonly bytes: Buffer;
}

/** A proxy on 127.0.0.1 that forwards to `target.port` and records every message. */
class RecordingProxy {
  target = 0;
  log: Captured[] = [];
  private udp!: Socket;
  private tcp!: Server;
  port = 0;

  async start(): Promise<void> {
    this.port = await freeUdpPort();
    this.udp = createSocket('udp4');
    this.udp.on('message', (msg, rinfo) => {
      this.log.push({ dir: 'query', transport: 'UDP', bytes: Buffer.from(msg) });
      const up = createSocket('udp4');
      up.on('message', (resp) => {
        this.log.push({ dir: 'response', transport: 'UDP', bytes: Buffer.from(resp) });
        this.udp.send(resp, rinfo.port, rinfo.address);
        up.close();
      });
      up.send(msg, this.target, HOST);
    });
    await new Promise<void>((res) => this.udp.bind(this.port, HOST, res));
    this.tcp = createServer((client) => {
      const up = connect(this.target, HOST);
      const framer = (dir: 'query' | 'response') => {
        let pending = Buffer.alloc(0);
        return (chunk: Buffer) => {
          pending = Buffer.concat([pending, chunk]);
          while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
            const len = pending.readUInt16BE(0);
            this.log.push({ dir, transport: 'TCP', bytes: Buffer.from(pending.subarray(2, 2 + len)) });
            pending = pending.subarray(2 + len);
          }
        };
      };
      const q = framer('query');
      const r = framer('response');
      client.on('data', (d: Buffer) => {
        q(d);
        up.write(d);
      });
      up.on('data', (d: Buffer) => {
        r(d);
        client.write(d);
      });
      client.on('end', () => up.end());
      up.on('end', () => client.end());
      client.on('error', () => up.destroy());
      up.on('error', () => client.destroy());
    });
    await new Promise<void>((res) => this.tcp.listen(this.port, HOST, res));
  }

  async stop(): Promise<void> {
    this.udp.close();
    await new Promise<void>((res) => this.tcp.close(() => res()));
  }
}

function run(cmd: string, args: string[], timeoutMs = 10_000): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(t);
      res({ code, out });
    });
  });
}

const ZONE = (serial: number, extra = '') => `$ORIGIN example.com.
$TTL 3600
@        SOA   ns1 hostmaster ${serial} 7200 3600 1209600 300
         NS    ns1
         NS    ns2.example.net.
         MX    10 mail
         MX    20 mail.example.net.
         TXT   "v=spf1 mx -all"
         CAA   0 issue "ca.example.net"
         HINFO "x86-64" "Debian"
ns1      A     192.0.2.53
         AAAA  2001:db8::53
mail     A     192.0.2.25
www      CNAME host
host     A     192.0.2.80
         AAAA  2001:db8::80
pbx      A     192.0.2.5
_sip._udp SRV  10 60 5060 pbx
sip      NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp
voice    DNAME voice.example.net.
ptr      PTR   host
${Array.from({ length: 40 }, (_, i) => `big      TXT   "record ${String(i).padStart(2, '0')} of a large RRset"`).join('\n')}
${extra}
`;

function knotConfig(dir: string, port: number): string {
  return `server:
    rundir: "${dir}"
    listen: ${HOST}@${port}
    nsid: "outpost-capture-knot"
database:
    storage: "${dir}"
control:
    listen: "${dir}/knot.sock"
key:
  - id: ${TSIG_NAME}
    algorithm: hmac-sha256
    secret: ${TSIG_SECRET}
acl:
  - id: xfr
    action: transfer
  - id: xfr-tsig
    action: transfer
    key: ${TSIG_NAME}
mod-cookies:
  - id: default
template:
  - id: default
    storage: "${dir}"
    file: "%s.zone"
    global-module: mod-cookies/default
zone:
  - domain: example.com
    acl: [xfr, xfr-tsig]
    dnssec-signing: on
    zonefile-load: difference-no-serial
    journal-content: all
log:
  - target: stderr
    any: warning
`;
}

function namedConfig(dir: string, port: number): string {
  return `options {
    directory "${dir}";
    pid-file "${dir}/named.pid";
    session-keyfile "${dir}/session.key";
    managed-keys-directory "${dir}";
    listen-on port ${port} { ${HOST}; };
    listen-on-v6 { none; };
    recursion no;
    server-id "outpost-capture-named";
    allow-transfer { any; };
};
controls { };
zone "example.com" { type primary; file "${dir}/bind-example.com.zone"; };
`;
}

interface Step {
  readonly name: string;
  readonly client: 'dig' | 'kdig';
  readonly server: 'knot' | 'named';
  readonly args: (port: number) => string[];
  readonly note: string;
}

const q = (port: number, ...rest: string[]) => [`@${HOST}`, '-p', String(port), ...rest];
const tsig = `hmac-sha256:${TSIG_NAME}:${TSIG_SECRET}`;

function steps(oldSerial: () => number): Step[] {
  return [
    { name: 'a', client: 'dig', server: 'knot', args: (p) => q(p, 'www.example.com', 'A'), note: 'default options (RD, AD, EDNS 1232 with a client cookie); CNAME answer' },
    { name: 'dnssec-soa', client: 'dig', server: 'knot', args: (p) => q(p, '+dnssec', 'example.com', 'SOA'), note: '+dnssec (DO bit); RRSIG, opaque types' },
    { name: 'nsid-ns', client: 'dig', server: 'knot', args: (p) => q(p, '+nsid', 'example.com', 'NS'), note: '+nsid; NS with in-zone glue' },
    { name: 'expire-soa', client: 'dig', server: 'knot', args: (p) => q(p, '+expire', 'example.com', 'SOA'), note: '+expire' },
    { name: 'tcp-norec-mx', client: 'dig', server: 'knot', args: (p) => q(p, '+tcp', '+norec', 'example.com', 'MX'), note: '+tcp +norec; MX with additional addresses' },
    { name: 'any', client: 'dig', server: 'knot', args: (p) => q(p, 'example.com', 'ANY'), note: 'QTYPE ANY over UDP' },
    { name: 'nxdomain', client: 'dig', server: 'knot', args: (p) => q(p, 'nonexistent.example.com', 'A'), note: 'NXDOMAIN with the SOA in the authority section' },
    { name: 'noedns-tc', client: 'dig', server: 'knot', args: (p) => q(p, '+noedns', '+ignore', '+nocookie', 'big.example.com', 'TXT'), note: '+noedns +ignore: a 40-record TXT RRset over 512 bytes, TC answer' },
    { name: 'naptr', client: 'dig', server: 'knot', args: (p) => q(p, 'sip.example.com', 'NAPTR'), note: 'NAPTR' },
    { name: 'axfr', client: 'dig', server: 'knot', args: (p) => q(p, 'example.com', 'AXFR'), note: 'AXFR over TCP of the signed zone' },
    { name: 'tsig-soa', client: 'dig', server: 'knot', args: (p) => q(p, '-y', tsig, 'example.com', 'SOA'), note: `TSIG-signed query (-y hmac-sha256:${TSIG_NAME}:…)` },
    { name: 'cookie-nsid', client: 'kdig', server: 'knot', args: (p) => q(p, '+cookie', '+nsid', 'example.com', 'SOA'), note: '+cookie +nsid' },
    { name: 'expire-tcp', client: 'kdig', server: 'knot', args: (p) => q(p, '+expire', '+tcp', 'example.com', 'SOA'), note: '+expire +tcp' },
    { name: 'dnssec-padding-subnet', client: 'kdig', server: 'knot', args: (p) => q(p, '+dnssec', '+padding=128', '+subnet=192.0.2.0/24', 'host.example.com', 'AAAA'), note: '+dnssec +padding=128 +subnet=192.0.2.0/24' },
    { name: 'tsig-axfr', client: 'kdig', server: 'knot', args: (p) => q(p, '-y', tsig, 'example.com', 'AXFR'), note: 'TSIG-signed AXFR' },
    { name: 'srv', client: 'kdig', server: 'knot', args: (p) => q(p, '+norec', '_sip._udp.example.com', 'SRV'), note: 'SRV' },
    { name: 'ixfr', client: 'dig', server: 'knot', args: (p) => q(p, 'example.com', `IXFR=${oldSerial()}`), note: 'IXFR from the serial before a change (one A record added)' },
    { name: 'named-a', client: 'dig', server: 'named', args: (p) => q(p, '+norec', 'www.example.com', 'A'), note: 'CNAME answer from named' },
    { name: 'named-mx', client: 'dig', server: 'named', args: (p) => q(p, 'example.com', 'MX'), note: 'MX with compressed names and additional addresses from named' },
    { name: 'named-nxdomain', client: 'dig', server: 'named', args: (p) => q(p, 'nonexistent.example.com', 'AAAA'), note: 'NXDOMAIN from named (compressed SOA in authority)' },
    { name: 'named-noedns-tc', client: 'dig', server: 'named', args: (p) => q(p, '+noedns', '+ignore', '+nocookie', 'big.example.com', 'TXT'), note: '+noedns +ignore: TC answer from named' },
    { name: 'named-caa', client: 'dig', server: 'named', args: (p) => q(p, '+nsid', 'example.com', 'CAA'), note: '+nsid; CAA answer from named' },
  ];
}

async function waitFor(port: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = await run('dig', q(port, '+tries=1', '+time=1', 'example.com', 'SOA'), 3000);
    if (r.out.includes('status: NOERROR')) return;
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`no server answers on port ${port}`);
}

async function main(): Promise<void> {
  const outArg = process.argv.indexOf('--out');
  const out = outArg > 0 ? process.argv[outArg + 1]! : join(repoRoot, 'test', 'fixtures', 'dns');
  const dir = mkdtempSync(join(tmpdir(), 'outpost-dns-capture-'));
  const children: ChildProcess[] = [];
  const proxy = new RecordingProxy();
  try {
    const knotPort = await freeUdpPort();
    const namedPort = await freeUdpPort();
    writeFileSync(join(dir, 'example.com.zone'), ZONE(2026113001));
    writeFileSync(join(dir, 'bind-example.com.zone'), ZONE(2026113001));
    writeFileSync(join(dir, 'knot.conf'), knotConfig(dir, knotPort));
    writeFileSync(join(dir, 'named.conf'), namedConfig(dir, namedPort));
    children.push(spawn('/usr/sbin/knotd', ['-c', join(dir, 'knot.conf')], { stdio: 'inherit' }));
    children.push(spawn('/usr/sbin/named', ['-g', '-c', join(dir, 'named.conf')], { stdio: ['ignore', 'ignore', 'ignore'] }));
    await waitFor(knotPort);
    await waitFor(namedPort);
    await proxy.start();

    const serialOf = async () => Number((await run('dig', q(knotPort, '+short', 'example.com', 'SOA'))).out.trim().split(/\s+/)[2]);
    let oldSerial = 0;
    const versions = {
      dig: `bind9-dnsutils ${pkgVersion('bind9-dnsutils')}`,
      kdig: `knot-dnsutils ${pkgVersion('knot-dnsutils')}`,
      knot: `knot ${pkgVersion('knot')}`,
      named: `bind9 ${pkgVersion('bind9')}`,
    };
    const date = new Date().toISOString().slice(0, 10);
    mkdirSync(out, { recursive: true });
    for (const f of readdirSync(out)) if (f.endsWith('.hex')) rmSync(join(out, f));
    const all = steps(() => oldSerial);
    for (let i = 0; i < all.length; i++) {
      const s = all[i]!;
      if (s.name === 'ixfr') {
        oldSerial = await serialOf();
        writeFileSync(join(dir, 'example.com.zone'), ZONE(2026113002, 'new      A     192.0.2.99'));
        const r = await run('/usr/sbin/knotc', ['-s', join(dir, 'knot.sock'), 'zone-reload', 'example.com']);
        if (r.code !== 0) throw new Error(`knotc zone-reload: ${r.out}`);
        for (let t = 0; t < 50 && (await serialOf()) === oldSerial; t++) await new Promise((res) => setTimeout(res, 100));
      }
      proxy.target = s.server === 'knot' ? knotPort : namedPort;
      proxy.log = [];
      const args = s.args(proxy.port);
      const r = await run(s.client, args);
      if (r.code !== 0) throw new Error(`${s.client} ${args.join(' ')}: exit ${r.code}\n${r.out}`);
      await new Promise((res) => setTimeout(res, 100));
      const nn = String(i + 1).padStart(2, '0');
      const counts = { query: 0, response: 0 };
      for (const m of proxy.log) {
        counts[m.dir]++;
        const k = counts[m.dir];
        const suffix = m.dir === 'query' ? 'query' : `${s.server}-response`;
        const file = `${s.client}-${nn}-${s.name}-${suffix}${k > 1 ? `-${k}` : ''}.hex`;
        const from = m.dir === 'query' ? `${s.client} (${versions[s.client]})` : `${s.server === 'knot' ? 'knotd' : 'named'} (${versions[s.server]})`;
        const header = [
          `# DNS ${m.dir} sent by ${from}, ${s.note}`,
          `# ${m.transport} on 127.0.0.1, ${m.bytes.length} bytes (${m.transport === 'TCP' ? 'without the 2-byte length prefix' : 'UDP payload'}), captured ${date} on Debian 12 by test/lab/tools/capture-dns.ts`,
          `# command: ${s.client} ${args.join(' ').replace(String(proxy.port), 'PORT')}`,
        ];
        writeFileSync(join(out, file), `${header.join('\n')}\n${hexLines(m.bytes)}\n`);
      }
      console.log(`${nn} ${s.name}: ${counts.query} queries, ${counts.response} responses`);
    }
  } finally {
    await proxy.stop().catch(() => {});
    for (const c of children) c.kill('SIGTERM');
    await new Promise((res) => setTimeout(res, 300));
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
