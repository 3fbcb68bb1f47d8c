// The authoritative responder (src/protocol/dns/responder.ts) in-process: query bytes
// in, answer bytes out, through the real codec and a zone read from zone-file text.
// Covers the answer cache (a second client gets its own id, flags and spelling), the
// error answers (FORMERR, NOTIMP, BADVERS, REFUSED), EDNS (NSID, EXPIRE, UDP size),
// truncation and the TCP differences.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsResponder } from '../../src/protocol/dns/responder.js';
import { ZoneSet } from '../../src/protocol/dns/zone-set.js';
import { loadZoneText } from '../../src/protocol/dns/zone-load.js';
import { decodeMessage, encodeMessage, EdnsOption, Opcode, Rcode, RRType, type DnsMessage, type Edns, type SOAData } from '../../src/wire/dns/index.js';
import { message } from '../support/dns-fixture.js';

const ZONE = `$ORIGIN example.com.
$TTL 3600
@        SOA  ns1 hostmaster 2026113001 3600 600 1209600 300
@        NS   ns1
ns1      A    192.0.2.53
www      A    192.0.2.80
big      TXT  ${Array.from({ length: 12 }, (_, i) => `"${String(i).repeat(60)}"`).join(' ')}
many     A    ${'192.0.2.1'}
${Array.from({ length: 60 }, (_, i) => `many A 198.51.100.${i + 1}`).join('\n')}
`;

function responder(nsid?: string): DnsResponder {
  const { zone } = loadZoneText(ZONE, { origin: 'example.com', file: 'example.com.zone', readInclude: () => { throw new Error('no includes'); } });
  const expire = (zone.soa.data as SOAData).expire;
  return new DnsResponder(new ZoneSet([{ zone, role: 'primary', expiresIn: () => expire, expired: () => false }]), { udpSize: 1232, ...(nsid ? { nsid: Buffer.from(nsid) } : {}) });
}

const EDNS: Edns = { udpSize: 1232, version: 0, do: false, z: 0, options: [] };

function query(name: string, type: number, o: { id?: number; edns?: Edns; opcode?: number; rd?: boolean } = {}): Buffer {
  return encodeMessage(message({ id: o.id ?? 7, flags: { rd: o.rd ?? true, opcode: o.opcode ?? Opcode.QUERY }, questions: [{ name, type, class: 1 }], ...(o.edns ? { edns: o.edns } : {}) }));
}

function ask(r: DnsResponder, q: Buffer, transport: 'udp' | 'tcp' = 'udp'): DnsMessage {
  const a = r.respond(q, transport);
  assert.ok(Buffer.isBuffer(a), 'one answer message');
  return decodeMessage(a);
}

test('an answer, then the same question from another client served from the cache with its id, RD bit and spelling', () => {
  const r = responder();
  const first = ask(r, query('www.example.com.', RRType.A, { id: 1 }));
  assert.deepEqual([first.id, first.flags.aa, first.flags.rd, first.rcode, first.answers.length], [1, true, true, Rcode.NOERROR, 1]);
  assert.equal(r.counters.cacheHits, 0);
  const second = ask(r, query('WWW.Example.COM.', RRType.A, { id: 2, rd: false }));
  assert.equal(r.counters.cacheHits, 1);
  assert.deepEqual([second.id, second.flags.rd, second.questions[0]!.name, second.answers[0]!.name], [2, false, 'WWW.Example.COM.', 'WWW.Example.COM.']);
  assert.deepEqual(second.answers.map((a) => a.data), first.answers.map((a) => a.data));
});

test('swapping the zone set forgets cached answers', () => {
  const r = responder();
  ask(r, query('www.example.com.', RRType.A));
  r.swap(new ZoneSet([]));
  assert.equal(ask(r, query('www.example.com.', RRType.A)).rcode, Rcode.REFUSED);
});

test('NXDOMAIN and NODATA carry the SOA; a name outside every zone is REFUSED without AA', () => {
  const r = responder();
  const nx = ask(r, query('nope.example.com.', RRType.A));
  assert.deepEqual([nx.rcode, nx.flags.aa, nx.authorities.map((a) => a.type)], [Rcode.NXDOMAIN, true, [RRType.SOA]]);
  const nodata = ask(r, query('www.example.com.', RRType.MX));
  assert.deepEqual([nodata.rcode, nodata.answers.length, nodata.authorities.map((a) => a.type)], [Rcode.NOERROR, 0, [RRType.SOA]]);
  const refused = ask(r, query('www.example.org.', RRType.A));
  assert.deepEqual([refused.rcode, refused.flags.aa, refused.answers.length], [Rcode.REFUSED, false, 0]);
});

test('over UDP without EDNS a large answer is truncated (TC) within 512 bytes; with EDNS it fits in 1232; over TCP it is whole', () => {
  const r = responder();
  const plain = r.respond(query('many.example.com.', RRType.A), 'udp')!;
  const m = decodeMessage(plain);
  assert.ok(plain.length <= 512);
  assert.deepEqual([m.flags.tc, m.answers.length], [true, 0]);
  const edns = decodeMessage(r.respond(query('many.example.com.', RRType.A, { edns: EDNS }), 'udp')!);
  assert.deepEqual([edns.flags.tc, edns.answers.length], [false, 61]);
  const big = r.respond(query('big.example.com.', RRType.TXT, { edns: { ...EDNS, udpSize: 512 } }), 'udp')!;
  assert.equal(decodeMessage(big).flags.tc, true);
  const tcp = ask(r, query('big.example.com.', RRType.TXT), 'tcp');
  assert.deepEqual([tcp.flags.tc, tcp.answers.length], [false, 1]);
  assert.ok(r.counters.truncated >= 2);
});

test('EDNS: the answer carries our UDP size; NSID and EXPIRE answered when asked; version 1 gets BADVERS', () => {
  const r = responder('hub-dns-1');
  const a = ask(r, query('www.example.com.', RRType.A, { edns: { ...EDNS, options: [{ code: EdnsOption.NSID, data: Buffer.alloc(0) }, { code: EdnsOption.EXPIRE, data: Buffer.alloc(0) }] } }));
  assert.equal(a.edns?.udpSize, 1232);
  assert.deepEqual(a.edns?.options.map((o) => [o.code, o.data.toString('hex')]), [[EdnsOption.NSID, Buffer.from('hub-dns-1').toString('hex')], [EdnsOption.EXPIRE, (1209600).toString(16).padStart(8, '0')]]);
  const bad = ask(r, query('www.example.com.', RRType.A, { edns: { ...EDNS, version: 1 } }));
  assert.deepEqual([bad.rcode, bad.edns?.version, bad.answers.length], [Rcode.BADVERS, 0, 0]);
});

test('errors: FORMERR for undecodable bytes with a header, nothing for shorter ones or for responses; NOTIMP for other opcodes', () => {
  const r = responder();
  const garbage = Buffer.concat([query('www.example.com.', RRType.A, { id: 0x4242 }), Buffer.of(1, 2, 3)]);
  const formerr = ask(r, garbage);
  assert.deepEqual([formerr.id, formerr.rcode, formerr.flags.qr, formerr.questions.length], [0x4242, Rcode.FORMERR, true, 0]);
  assert.equal(r.counters.decodeErrors.get('trailing-data'), 1);
  assert.equal(r.respond(Buffer.alloc(11), 'udp'), undefined);
  const response = encodeMessage(message({ flags: { qr: true }, questions: [{ name: 'www.example.com.', type: 1, class: 1 }] }));
  assert.equal(r.respond(response, 'udp'), undefined);
  assert.equal(ask(r, query('www.example.com.', RRType.A, { opcode: Opcode.STATUS })).rcode, Rcode.NOTIMP);
  assert.equal(ask(r, query('example.com.', RRType.AXFR)).rcode, Rcode.FORMERR);
});

test('ANY: one RRset over UDP, all over TCP (RFC 8482)', () => {
  const r = responder();
  assert.equal(ask(r, query('example.com.', RRType.ANY)).answers.length, 1);
  assert.equal(new Set(ask(r, query('example.com.', RRType.ANY), 'tcp').answers.map((a) => a.type)).size, 2);
});
