// Micro-benchmark of zone transfers out (not a peer benchmark): a generated zone of N
// records (dns-zone-file.ts's generator) as an AXFR — encoded in process, and served
// over TCP on loopback by the real DnsTcpServer to a client that reads every message —
// and the difference of two versions of it (IXFR's journal entry), best of a few runs.
// Over TCP it also reports the longest the event loop was blocked during the transfer:
// what other queries wait at worst while a large zone streams.
//
//   node dist/bench/micro/dns-transfer.js [--records N] [--runs R]
import { connect } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TransferAcl } from '../../src/protocol/dns/acl.js';
import { DnsResponder } from '../../src/protocol/dns/responder.js';
import { diffZones } from '../../src/protocol/dns/zone-diff.js';
import { loadZoneText } from '../../src/protocol/dns/zone-load.js';
import { ZoneSet } from '../../src/protocol/dns/zone-set.js';
import type { Zone } from '../../src/protocol/dns/zone.js';
import { DnsTcpServer } from '../../src/runtime/dns-tcp-server.js';
import { encodeMessage, RRType } from '../../src/wire/dns/index.js';
import { generatedZone } from './dns-zone-file.js';

function arg(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
}
const RECORDS = arg('--records', 100_000);
const RUNS = arg('--runs', 5);

const load = (text: string): Zone => loadZoneText(text, { origin: 'example.com.', file: 'bench', readInclude: () => '' }).zone;
const query = encodeMessage({
  id: 1, flags: { qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, z: false, ad: false, cd: false }, rcode: 0,
  questions: [{ name: 'example.com.', type: RRType.AXFR, class: 1 }], answers: [], authorities: [], additionals: [],
});

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Reads framed messages until `messages` arrived; resolves with the bytes read. */
function readTransfer(port: number, messages: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const framed = Buffer.alloc(query.length + 2);
    framed.writeUInt16BE(query.length);
    query.copy(framed, 2);
    s.write(framed);
    let pending: Buffer = Buffer.alloc(0);
    let seen = 0;
    let bytes = 0;
    s.on('data', (c: Buffer) => {
      bytes += c.length;
      pending = pending.length === 0 ? c : Buffer.concat([pending, c]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        pending = pending.subarray(2 + pending.readUInt16BE(0));
        if (++seen === messages) {
          s.destroy();
          resolve(bytes);
        }
      }
    });
    s.on('error', reject);
  });
}

const zone = load(generatedZone(RECORDS));
const responder = new DnsResponder(new ZoneSet([{ zone, role: 'primary', expiresIn: () => 0, expired: () => false, allowTransfer: TransferAcl.compile([{ from: ['127.0.0.0/8'] }]) }]), { udpSize: 1232 });

let encodeMs = Infinity;
let messages = 0;
let wireBytes = 0;
for (let r = 0; r < RUNS; r++) {
  const start = process.hrtime.bigint();
  const reply = responder.respond(query, 'tcp', undefined, '127.0.0.1');
  if (reply === undefined || Buffer.isBuffer(reply)) throw new Error('no transfer');
  messages = 0;
  wireBytes = 0;
  for (let m = reply.next(); !m.done; m = reply.next()) {
    messages++;
    wireBytes += m.value.length;
  }
  encodeMs = Math.min(encodeMs, ms(start));
}

const server = await DnsTcpServer.listen({
  address: '127.0.0.1', port: 0, idleTimeoutMs: 30_000, maxConnections: 10, maxPipelined: 10,
  handler: (m, peer) => responder.respond(m, "tcp", undefined, peer.address) as Buffer | Iterator<Buffer> | undefined,
});
let tcpMs = Infinity;
let blockedMs = Infinity;
for (let r = 0; r < RUNS; r++) {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const start = process.hrtime.bigint();
  await readTransfer(server.port, messages);
  tcpMs = Math.min(tcpMs, ms(start));
  delay.disable();
  blockedMs = Math.min(blockedMs, delay.max / 1e6);
}
await server.close();

const changed = load(generatedZone(RECORDS).replace('2024010101', '2024010102').replace(/host1 300 IN A 198\.51\.100\.1 /, 'host1 300 IN A 198.51.100.201 ').concat('extra IN A 192.0.2.1\n'));
let diffMs = Infinity;
let diff = diffZones(zone, changed);
for (let r = 0; r < RUNS; r++) {
  const start = process.hrtime.bigint();
  diff = diffZones(zone, changed);
  diffMs = Math.min(diffMs, ms(start));
}

console.log(JSON.stringify({
  records: zone.recordCount, messages, wireBytes,
  encodeMs: Math.round(encodeMs), tcpLoopbackMs: Math.round(tcpMs), eventLoopBlockedMaxMs: Math.round(blockedMs * 10) / 10,
  diffMs: Math.round(diffMs), diff: { deleted: diff.deleted.length, added: diff.added.length },
}));
