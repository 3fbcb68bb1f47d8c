// Zone transfers out (src/protocol/dns/transfer-out.ts) through the responder: query
// bytes in, the messages out decoded back and compared with the zone. AXFR (RFC 5936):
// SOA first and last, every record once, packed in messages of at most 65535 bytes, the
// question in the first only, AA on all. IXFR (RFC 1995): up to date, the difference
// sequence applied to the client's version gives ours, AXFR-style when the serial is
// not kept, UDP. Refusals (REFUSED, NOTAUTH, FORMERR) and the counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransferAcl } from '../../src/protocol/dns/acl.js';
import { IxfrHistory } from '../../src/protocol/dns/ixfr-history.js';
import { DnsResponder, type DnsReply } from '../../src/protocol/dns/responder.js';
import { diffZones } from '../../src/protocol/dns/zone-diff.js';
import { loadZoneText } from '../../src/protocol/dns/zone-load.js';
import { ZoneSet, type ServedZone } from '../../src/protocol/dns/zone-set.js';
import type { Zone } from '../../src/protocol/dns/zone.js';
import { decodeMessage, encodeMessage, encodeRdata, nameKey, Rcode, RRType, type DnsMessage, type Edns, type ResourceRecord, type SOAData } from '../../src/wire/dns/index.js';
import { message } from '../support/dns-fixture.js';

const CLIENT = '192.0.2.54';

function zoneText(serial: number, body: string): string {
  return `$ORIGIN example.com.\n$TTL 3600\n@ SOA ns1 hostmaster ${serial} 3600 600 1209600 300\n@ NS ns1\nns1 A 192.0.2.53\n${body}`;
}

function load(text: string): Zone {
  return loadZoneText(text, { origin: 'example.com', file: 'example.com.zone', readInclude: () => { throw new Error('no includes'); } }).zone;
}

function served(zone: Zone, history?: IxfrHistory, rules = [{ from: ['192.0.2.0/24', '2001:db8::/32'] }]): ServedZone {
  const expire = (zone.soa.data as SOAData).expire;
  return { zone, role: 'primary', expiresIn: () => expire, expired: () => false, allowTransfer: TransferAcl.compile(rules), ...(history ? { history } : {}) };
}

function responder(z: ServedZone): DnsResponder {
  return new DnsResponder(new ZoneSet([z]), { udpSize: 1232 });
}

function xfrQuery(type: number, o: { name?: string; serial?: number; edns?: Edns; id?: number } = {}): Buffer {
  const name = o.name ?? 'example.com.';
  const authorities: ResourceRecord[] = o.serial === undefined ? [] : [{
    name, type: RRType.SOA, class: 1, ttl: 0, data: { mname: '.', rname: '.', serial: o.serial, refresh: 0, retry: 0, expire: 0, minimum: 0 },
  }];
  return encodeMessage(message({ id: o.id ?? 4242, questions: [{ name, type, class: 1 }], authorities, ...(o.edns ? { edns: o.edns } : {}) }));
}

/** Every message of a reply, decoded; checks each is at most 65535 bytes. */
function messages(reply: DnsReply): DnsMessage[] {
  assert.ok(reply !== undefined, 'a reply');
  const list: Buffer[] = Buffer.isBuffer(reply) ? [reply] : [...{ [Symbol.iterator]: () => reply }];
  for (const b of list) assert.ok(b.length <= 65535);
  return list.map((b) => decodeMessage(b));
}

const key = (rr: ResourceRecord) => `${nameKey(rr.name)}|${rr.type}|${rr.class}|${rr.ttl}|${encodeRdata(rr.type, rr.data).toString('hex')}`;

function zoneKeys(zone: Zone): string[] {
  const out: string[] = [];
  for (const set of zone.rrsets()) for (const data of set.data) out.push(key({ name: set.name, type: set.type, class: set.class, ttl: set.ttl, data }));
  return out.sort();
}

const serialOf = (rr: ResourceRecord) => (rr.data as SOAData).serial;

/** Applies an IXFR answer (RFC 1995 §4) to the records of the client's version; AXFR-style answers replace them. */
function applyIxfr(records: readonly ResourceRecord[], have: string[]): string[] {
  assert.equal(records[0]!.type, RRType.SOA);
  const target = serialOf(records[0]!);
  assert.equal(records[records.length - 1]!.type, RRType.SOA);
  assert.equal(serialOf(records[records.length - 1]!), target);
  if (records.length === 1) return have;
  if (records[1]!.type !== RRType.SOA) return records.slice(0, -1).map(key).sort(); // AXFR-style
  const set = new Set(have);
  let i = 1;
  let soa = '';
  while (i < records.length - 1) {
    const from = records[i++]!;
    assert.equal(from.type, RRType.SOA, `expected the SOA of a version at ${i - 1}`);
    set.delete(key(from));
    while (records[i]!.type !== RRType.SOA) assert.ok(set.delete(key(records[i++]!)), 'a deletion of a record the client has');
    const to = records[i++]!;
    soa = key(to);
    while (i < records.length - 1 && records[i]!.type !== RRType.SOA) set.add(key(records[i++]!));
    set.add(soa);
  }
  return [...set].sort();
}

test('AXFR over TCP: SOA first and last, every record once, packed in as few messages of ≤ 65535 bytes as fit, question in the first only, AA everywhere', () => {
  const body = Array.from({ length: 5000 }, (_, i) => `host-${i} A 198.51.100.${i % 250}\nhost-${i} TXT "${'x'.repeat(80)} ${i}"`).join('\n');
  const zone = load(zoneText(7, body));
  const r = responder(served(zone));
  const list = messages(r.respond(xfrQuery(RRType.AXFR, { id: 99 }), 'tcp', undefined, CLIENT));
  assert.ok(list.length > 5, `${list.length} messages`);
  for (const [i, m] of list.entries()) {
    assert.deepEqual([m.id, m.flags.qr, m.flags.aa, m.flags.tc, m.rcode, m.questions.length], [99, true, true, false, Rcode.NOERROR, i === 0 ? 1 : 0]);
  }
  // As few as fit: each message but the last is within one record of the limit.
  const sizes = [...{ [Symbol.iterator]: () => r.respond(xfrQuery(RRType.AXFR), 'tcp', undefined, CLIENT) as Iterator<Buffer> }].map((b) => b.length);
  for (const s of sizes.slice(0, -1)) assert.ok(s > 65535 - 200, `message of ${s} bytes`);
  const records = list.flatMap((m) => m.answers);
  assert.equal(records[0]!.type, RRType.SOA);
  assert.equal(records[records.length - 1]!.type, RRType.SOA);
  assert.deepEqual(records.slice(0, -1).map(key).sort(), zoneKeys(zone));
  assert.equal(r.counters.transfers.get('axfr|full'), 2);
});

test('AXFR: EDNS is answered in every message; UDP is FORMERR; not an apex NOTAUTH; not allowed REFUSED; never from the cache', () => {
  const zone = load(zoneText(1, 'www A 192.0.2.80\n'));
  const r = responder(served(zone));
  const edns: Edns = { udpSize: 1232, version: 0, do: false, z: 0, options: [] };
  const [m] = messages(r.respond(xfrQuery(RRType.AXFR, { edns }), 'tcp', undefined, CLIENT));
  assert.deepEqual([m!.edns?.version, m!.edns?.udpSize], [0, 1232]);
  assert.deepEqual(m!.answers.map((a) => a.type), [RRType.SOA, RRType.NS, RRType.A, RRType.A, RRType.SOA]);

  assert.equal(messages(r.respond(xfrQuery(RRType.AXFR), 'udp', undefined, CLIENT))[0]!.rcode, Rcode.FORMERR);
  assert.equal(messages(r.respond(xfrQuery(RRType.AXFR, { name: 'www.example.com.' }), 'tcp', undefined, CLIENT))[0]!.rcode, Rcode.NOTAUTH);
  assert.equal(messages(r.respond(xfrQuery(RRType.AXFR, { name: 'example.org.' }), 'tcp', undefined, CLIENT))[0]!.rcode, Rcode.NOTAUTH);
  const refused = messages(r.respond(xfrQuery(RRType.AXFR), 'tcp', undefined, '203.0.113.9'));
  assert.deepEqual([refused.length, refused[0]!.rcode, refused[0]!.flags.aa, refused[0]!.answers.length, refused[0]!.questions.length], [1, Rcode.REFUSED, false, 0, 1]);
  // The same bytes from an allowed client right after: a transfer, not a cached refusal.
  assert.equal(messages(r.respond(xfrQuery(RRType.AXFR), 'tcp', undefined, CLIENT))[0]!.rcode, Rcode.NOERROR);
  // IPv4 as a u32 (the native UDP socket's form) and IPv4-mapped IPv6 (a dual-stack socket).
  assert.equal(messages(r.respond(xfrQuery(RRType.AXFR), 'tcp', undefined, 0xc0000236))[0]!.rcode, Rcode.NOERROR);
  assert.equal(messages(r.respond(xfrQuery(RRType.AXFR), 'tcp', undefined, '::ffff:192.0.2.54'))[0]!.rcode, Rcode.NOERROR);
  // A zone without rules: nobody.
  const closed = new DnsResponder(new ZoneSet([{ ...served(zone), allowTransfer: undefined }]), { udpSize: 1232 });
  assert.equal(messages(closed.respond(xfrQuery(RRType.AXFR), 'tcp', undefined, CLIENT))[0]!.rcode, Rcode.REFUSED);
  assert.deepEqual(Object.fromEntries(r.counters.transfers), { 'axfr|full': 4, 'axfr|not-authoritative': 2, 'axfr|refused': 1 });
  assert.equal(r.counters.outcomes.get('formerr'), 1);
});

test('IXFR: up to date, the difference sequence over several versions, AXFR-style when the serial is not kept or the differences outgrow the zone, FORMERR without SOA', () => {
  const base = Array.from({ length: 40 }, (_, i) => `h${i} A 198.51.100.${i + 1}`).join('\n');
  const v1 = load(zoneText(10, `${base}\nwww A 192.0.2.80\nwww TXT "one"\n`));
  const v2 = load(zoneText(11, `${base}\nwww A 192.0.2.81\nwww TXT "one"\nnew AAAA 2001:db8::1\n`));
  const v3 = load(zoneText(12, `${base}\nwww A 192.0.2.81\nnew AAAA 2001:db8::1\nmail MX 10 www\n`.replace('h0 A 198.51.100.1', 'h0 300 A 198.51.100.1')));
  const history = IxfrHistory.EMPTY.append(diffZones(v1, v2), 10).append(diffZones(v2, v3), 10);
  const r = responder(served(v3, history));
  const ask = (serial: number, transport: 'udp' | 'tcp' = 'tcp', edns?: Edns) =>
    messages(r.respond(xfrQuery(RRType.IXFR, { serial, ...(edns ? { edns } : {}) }), transport, undefined, CLIENT));

  for (const serial of [12, 13]) {
    const [m, more] = ask(serial);
    assert.equal(more, undefined);
    assert.deepEqual([m!.rcode, m!.flags.aa, m!.answers.length, serialOf(m!.answers[0]!)], [Rcode.NOERROR, true, 1, 12], `client at ${serial}`);
  }
  for (const [from, zone] of [[10, v1], [11, v2]] as const) {
    const records = ask(from).flatMap((m) => m.answers);
    assert.equal(records[1]!.type, RRType.SOA, 'incremental');
    assert.equal(serialOf(records[1]!), from);
    assert.deepEqual(applyIxfr(records, zoneKeys(zone)), zoneKeys(v3), `from ${from}`);
  }
  // A serial not kept: the whole zone, AXFR-style (RFC 1995 §4).
  const full = ask(9).flatMap((m) => m.answers);
  assert.notEqual(full[1]!.type, RRType.SOA);
  assert.deepEqual(applyIxfr(full, []), zoneKeys(v3));
  // Over UDP: fits → whole; the same answer with a 512-byte limit does not → the SOA alone (RFC 1995 §2).
  const udp = ask(11, 'udp', { udpSize: 1232, version: 0, do: false, z: 0, options: [] });
  assert.deepEqual(applyIxfr(udp[0]!.answers, zoneKeys(v2)), zoneKeys(v3));
  const small = ask(9, 'udp');
  // A record larger than the datagram: the SOA alone too, never an error.
  const huge = load(zoneText(2, `big TXT ${Array.from({ length: 4 }, () => `"${'y'.repeat(200)}"`).join(' ')}\n`));
  const rh = responder(served(huge));
  const hugeAnswer = messages(rh.respond(xfrQuery(RRType.IXFR, { serial: 1 }), 'udp', undefined, CLIENT));
  assert.deepEqual(hugeAnswer[0]!.answers.map((a) => a.type), [RRType.SOA]);
  assert.deepEqual(small[0]!.answers.map((a) => a.type), [RRType.SOA]);
  assert.deepEqual([small[0]!.flags.tc, serialOf(small[0]!.answers[0]!)], [false, 12]);

  // Differences larger than the zone: AXFR-style.
  const big = load(zoneText(13, 'other A 192.0.2.1\n'));
  const r2 = responder(served(big, history.append(diffZones(v3, big), 10)));
  const replaced = messages(r2.respond(xfrQuery(RRType.IXFR, { serial: 12 }), 'tcp', undefined, CLIENT)).flatMap((m) => m.answers);
  assert.notEqual(replaced[1]!.type, RRType.SOA);
  // A history that does not end at the zone served is never used.
  const stale = responder(served(v3, IxfrHistory.EMPTY.append(diffZones(v1, v2), 10)));
  assert.notEqual(messages(stale.respond(xfrQuery(RRType.IXFR, { serial: 10 }), 'tcp', undefined, CLIENT)).flatMap((m) => m.answers)[1]!.type, RRType.SOA);

  assert.equal(messages(r.respond(xfrQuery(RRType.IXFR), 'tcp', undefined, CLIENT))[0]!.rcode, Rcode.FORMERR);
  assert.equal(messages(r.respond(xfrQuery(RRType.IXFR, { serial: 10 }), 'udp', undefined, '198.51.100.1'))[0]!.rcode, Rcode.REFUSED);
  assert.deepEqual(Object.fromEntries(r.counters.transfers), {
    'ixfr|up-to-date': 2, 'ixfr|incremental': 3, 'ixfr|full': 1, 'ixfr|use-tcp': 1, 'ixfr|formerr': 1, 'ixfr|refused': 1,
  });
});

test('a transfer of a large zone is encoded as it is pulled, one message at a time', () => {
  const body = Array.from({ length: 20000 }, (_, i) => `n${i} A 198.51.100.${i % 250}`).join('\n');
  const r = responder(served(load(zoneText(1, body))));
  const reply = r.respond(xfrQuery(RRType.AXFR), 'tcp', undefined, CLIENT);
  assert.ok(reply !== undefined && !Buffer.isBuffer(reply));
  const first = reply.next();
  assert.ok(!first.done);
  assert.equal(decodeMessage(first.value).questions.length, 1);
  reply.return?.(); // the connection went away: nothing more is encoded
  assert.ok(reply.next().done);
});
