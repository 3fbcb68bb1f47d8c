// Micro-benchmark of the DNS codec (not a peer benchmark): decode of a captured dig
// query, decode and encode of a typical 5-answer response, the size-limited encode the
// UDP path uses, and a 100k-record zone transfer encoded into messages and decoded back.
//
//   node dist/bench/micro/dns-codec.js [--seconds N]
import {
  decodeMessage, encodeInto, encodeMessage, encodeResponseInto, type DnsMessage, type ResourceRecord,
} from '../../src/wire/dns/index.js';
import { dnsFixtures } from '../../test/support/dns-fixture.js';
import { SECONDS, bench } from './ops.js';

const FLAGS = { qr: true, opcode: 0, aa: true, tc: false, rd: true, ra: false, z: false, ad: false, cd: false };
const EDNS = { udpSize: 1232, version: 0, do: false, z: 0, options: [] };

const query = dnsFixtures().find((f) => f.name === 'dig-01-a-query.hex')!.bytes;

// What an authoritative server answers for a name with a CNAME, addresses and NS: 5 answers.
const response: DnsMessage = {
  id: 0x4d2,
  flags: FLAGS,
  rcode: 0,
  questions: [{ name: 'www.example.com.', type: 1, class: 1 }],
  answers: [
    { name: 'www.example.com.', type: 5, class: 1, ttl: 3600, data: { target: 'web.example.com.' } },
    { name: 'web.example.com.', type: 1, class: 1, ttl: 3600, data: { address: '192.0.2.80' } },
    { name: 'web.example.com.', type: 1, class: 1, ttl: 3600, data: { address: '192.0.2.81' } },
    { name: 'web.example.com.', type: 1, class: 1, ttl: 3600, data: { address: '192.0.2.82' } },
    { name: 'web.example.com.', type: 1, class: 1, ttl: 3600, data: { address: '192.0.2.83' } },
  ],
  authorities: [],
  additionals: [],
  edns: EDNS,
};
const responseWire = encodeMessage(response);
const out = Buffer.allocUnsafe(65535);


/** A zone of n records: per host an A, every 2nd an AAAA, every 5th a TXT, every 10th an MX, every 20th an SRV. */
function zone(n: number): ResourceRecord[] {
  const rrs: ResourceRecord[] = [];
  for (let i = 0; rrs.length < n; i++) {
    const host = `host${i}.site${i % 100}.example.com.`;
    rrs.push({ name: host, type: 1, class: 1, ttl: 3600, data: { address: `192.0.2.${i % 256}` } });
    if (i % 2 === 0) rrs.push({ name: host, type: 28, class: 1, ttl: 3600, data: { address: `2001:db8::${(i % 65536).toString(16)}` } });
    if (i % 5 === 0) rrs.push({ name: host, type: 16, class: 1, ttl: 3600, data: { strings: [Buffer.from(`phone ${i} firmware=sip-1.2.3`)] } });
    if (i % 10 === 0) rrs.push({ name: host, type: 15, class: 1, ttl: 3600, data: { preference: 10, exchange: `mail.site${i % 100}.example.com.` } });
    if (i % 20 === 0) rrs.push({ name: `_sip._udp.${host}`, type: 33, class: 1, ttl: 3600, data: { priority: 10, weight: 60, port: 5060, target: host } });
  }
  return rrs.slice(0, n);
}

function transfer(records: readonly ResourceRecord[], perMessage: number): { ms: number; messages: Buffer[] } {
  const messages: Buffer[] = [];
  const start = process.hrtime.bigint();
  for (let i = 0; i < records.length; i += perMessage) {
    const n = encodeInto({ ...response, questions: [{ name: 'example.com.', type: 252, class: 1 }], answers: records.slice(i, i + perMessage) }, out, 0);
    messages.push(Buffer.from(out.subarray(0, n)));
  }
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, messages };
}

/** Packs as many records as fit in 65535 bytes per message with the size-limited encoder (what a transfer must do). */
function packedTransfer(records: readonly ResourceRecord[]): { ms: number; messages: number; bytes: number } {
  const start = process.hrtime.bigint();
  let messages = 0;
  let bytes = 0;
  for (let i = 0; i < records.length; ) {
    const n = encodeResponseInto({ ...response, questions: [{ name: 'example.com.', type: 252, class: 1 }], answers: records.slice(i, i + 4000) }, out, 0, 65535);
    i += out.readUInt16BE(6);
    messages++;
    bytes += n;
  }
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, messages, bytes };
}

console.log(`dns codec micro-benchmark (node ${process.version}, ${SECONDS} s per case)`);
bench(`decode dig query (${query.length} B)`, () => decodeMessage(query).id);
bench(`decode 5-answer response (${responseWire.length} B)`, () => decodeMessage(responseWire).answers.length);
bench('encodeInto 5-answer response (compressed)', () => encodeInto(response, out, 0));
bench('encodeMessage 5-answer response (new Buffer)', () => encodeMessage(response).length);
bench('encodeResponseInto 5-answer response, limit 1232', () => encodeResponseInto(response, out, 0, 1232));
bench('decode query + encodeResponseInto answer', () => {
  const q = decodeMessage(query);
  return encodeResponseInto({ ...response, id: q.id, questions: q.questions }, out, 0, q.edns?.udpSize ?? 512);
});

const records = zone(100_000);
transfer(records, 1000); // warm-up
for (let run = 0; run < 3; run++) {
  const t = transfer(records, 1000);
  const d0 = process.hrtime.bigint();
  let decoded = 0;
  for (const m of t.messages) decoded += decodeMessage(m).answers.length;
  const dms = Number(process.hrtime.bigint() - d0) / 1e6;
  const p = packedTransfer(records);
  console.log(
    `100k-record transfer: encode ${t.ms.toFixed(0)} ms (${t.messages.length} messages of 1000 records, ${t.messages.reduce((a, m) => a + m.length, 0)} B), ` +
      `decode ${dms.toFixed(0)} ms (${decoded} records); packed to 64 KiB: ${p.ms.toFixed(0)} ms, ${p.messages} messages, ${p.bytes} B`,
  );
}
