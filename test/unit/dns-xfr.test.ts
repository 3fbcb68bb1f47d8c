// Zone transfers in, without sockets: the AXFR/IXFR reader (RFC 5936, RFC 1995) over
// messages captured from knotd and built by hand, the IXFR apply, the SOA answer check,
// NOTIFY answers (RFC 1996) and the on-disk form of a copy and its timers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, Opcode, Rcode, RRType, type DnsMessage, type ResourceRecord, type SOAData } from '../../src/wire/dns/index.js';
import { XfrError, XfrReader, type XfrResult } from '../../src/protocol/dns/secondary/xfr-reader.js';
import { applyIxfr, IxfrApplyError } from '../../src/protocol/dns/secondary/ixfr-apply.js';
import { axfrQuery, ixfrQuery, readSoaAnswer, soaQuery } from '../../src/protocol/dns/secondary/requests.js';
import { answerNotify } from '../../src/protocol/dns/secondary/notify.js';
import { decodeZoneCopy, decodeZoneTimers, encodeZoneCopy, encodeZoneTimers, ZoneCopyError } from '../../src/protocol/dns/secondary/zone-copy.js';
import { validateZone } from '../../src/protocol/dns/zone-validate.js';
import { Zone } from '../../src/protocol/dns/zone.js';
import { dnsFixtures, message, rr } from '../support/dns-fixture.js';

const ORIGIN = 'voice.example.com.';
const soa = (serial: number): ResourceRecord => rr(ORIGIN, RRType.SOA, { mname: `ns1.${ORIGIN}`, rname: `hostmaster.${ORIGIN}`, serial, refresh: 3600, retry: 600, expire: 1209600, minimum: 300 });
const a = (name: string, address: string): ResourceRecord => rr(`${name}.${ORIGIN}`, RRType.A, { address });
const BASE = [rr(ORIGIN, RRType.NS, { host: `ns1.${ORIGIN}` }), a('ns1', '192.0.2.53'), a('pbx', '192.0.2.10')];
const answer = (answers: ResourceRecord[], type: number, over: Partial<DnsMessage> = {}): DnsMessage =>
  message({ flags: { qr: true, aa: true }, questions: [{ name: ORIGIN, type, class: 1 }], answers, ...over });
const read = (type: number, messages: DnsMessage[], ours?: number): XfrResult => {
  const r = new XfrReader(ORIGIN, type, ours);
  messages.forEach((m, i) => assert.equal(r.push(m, 100), i === messages.length - 1, `message ${i}`));
  return r.result();
};
const fixture = (name: string) => decodeMessage(dnsFixtures().find((f) => f.name === name)!.bytes);

test('AXFR: SOA, records, SOA — in one message or spread over several (later ones without the question)', () => {
  const one = read(RRType.AXFR, [answer([soa(5), ...BASE, soa(5)], RRType.AXFR)]);
  assert.equal(one.kind, 'full');
  assert.deepEqual(one.kind === 'full' && one.records.map((r) => r.type), [RRType.SOA, RRType.NS, RRType.A, RRType.A]);
  const spread = read(RRType.AXFR, [answer([soa(5)], RRType.AXFR), answer(BASE, RRType.AXFR, { questions: [] }), answer([soa(5)], RRType.AXFR, { questions: [] })]);
  assert.deepEqual(spread, one);
});

test('AXFR captured from knotd (signed zone): read whole, and valid', () => {
  const m = fixture('dig-10-axfr-knot-response.hex');
  const r = new XfrReader('example.com.', RRType.AXFR);
  assert.equal(r.push(m, 6378), true);
  const result = r.result();
  assert.equal(result.kind, 'full');
  if (result.kind !== 'full') return;
  assert.equal(result.records.length, m.answers.length - 1, 'the closing SOA is not a record of the zone');
  assert.deepEqual(validateZone('example.com.', result.records).problems.filter((p) => p.severity === 'error'), []);
});

test('IXFR captured from knotd applies to the AXFR captured before it: one A added, the signatures changed', () => {
  const axfr = new XfrReader('example.com.', RRType.AXFR);
  axfr.push(fixture('dig-10-axfr-knot-response.hex'), 0);
  const before = axfr.result();
  assert.equal(before.kind, 'full');
  const ixfr = new XfrReader('example.com.', RRType.IXFR, before.soa.data.serial);
  assert.equal(ixfr.push(fixture('dig-17-ixfr-knot-response.hex'), 0), true);
  const diff = ixfr.result();
  assert.equal(diff.kind, 'incremental');
  if (diff.kind !== 'incremental' || before.kind !== 'full') return;
  assert.equal(diff.diffs.length, 1);
  assert.equal(diff.diffs[0]!.from.data.serial, before.soa.data.serial);
  const after = applyIxfr(before.records, diff.diffs);
  assert.equal((after[0]!.data as SOAData).serial, diff.soa.data.serial);
  assert.ok(after.some((x) => x.name === 'new.example.com.' && x.type === RRType.A));
  assert.equal(after.length, before.records.length - diff.diffs[0]!.deleted.length + diff.diffs[0]!.added.length);
});

test('IXFR: several versions in a row; our serial alone is up to date; an AXFR-style answer is a full zone', () => {
  const diffs = read(RRType.IXFR, [answer([
    soa(7),
    soa(5), a('pbx', '192.0.2.10'), soa(6), a('pbx', '192.0.2.11'),
    soa(6), soa(7), a('new', '192.0.2.12'),
    soa(7),
  ], RRType.IXFR)], 5);
  assert.equal(diffs.kind, 'incremental');
  if (diffs.kind !== 'incremental') return;
  assert.deepEqual(diffs.diffs.map((d) => [d.from.data.serial, d.to.data.serial, d.deleted.length, d.added.length]), [[5, 6, 1, 1], [6, 7, 0, 1]]);
  const records = applyIxfr([soa(5), ...BASE], diffs.diffs);
  assert.deepEqual(records.map((x) => x.type === RRType.A ? (x.data as { address: string }).address : x.type), [RRType.SOA, RRType.NS, '192.0.2.53', '192.0.2.11', '192.0.2.12']);

  assert.equal(read(RRType.IXFR, [answer([soa(5)], RRType.IXFR)], 5).kind, 'up-to-date');
  assert.equal(read(RRType.IXFR, [answer([soa(4)], RRType.IXFR)], 5).kind, 'up-to-date', 'older alone: nothing to take');
  const full = read(RRType.IXFR, [answer([soa(9), ...BASE, soa(9)], RRType.IXFR)], 5);
  assert.equal(full.kind, 'full');
});

test('the reader refuses what the RFCs do not allow, an error rcode, and sizes past its limits', () => {
  const throwsReason = (reason: string, type: number, ms: DnsMessage[], limits?: { maxRecords: number; maxBytes: number; maxMessages: number }) => {
    const r = new XfrReader(ORIGIN, type, 5, limits);
    assert.throws(() => { for (const m of ms) r.push(m, 1000); }, (e: unknown) => e instanceof XfrError && e.reason === reason, `${reason}`);
  };
  throwsReason('refused', RRType.IXFR, [answer([], RRType.IXFR, { rcode: Rcode.NOTIMP })]);
  throwsReason('refused', RRType.AXFR, [answer([], RRType.AXFR, { rcode: Rcode.REFUSED })]);
  throwsReason('malformed', RRType.AXFR, [answer([a('pbx', '192.0.2.1'), soa(5)], RRType.AXFR)]);
  throwsReason('malformed', RRType.AXFR, [answer([soa(5), ...BASE, soa(6)], RRType.AXFR)]);
  throwsReason('malformed', RRType.AXFR, [answer([soa(5), ...BASE, soa(5), a('x', '192.0.2.1')], RRType.AXFR)]);
  throwsReason('malformed', RRType.AXFR, [answer([soa(5)], RRType.AXFR, { questions: [{ name: 'other.example.', type: RRType.AXFR, class: 1 }] })]);
  throwsReason('malformed', RRType.AXFR, [answer([soa(5)], RRType.AXFR, { questions: [] })]);
  throwsReason('malformed', RRType.AXFR, [answer([soa(5), rr(`x.${ORIGIN}`, RRType.SOA, soa(5).data), soa(5)], RRType.AXFR)]);
  throwsReason('malformed', RRType.AXFR, [answer([soa(5), rr(`x.${ORIGIN}`, RRType.A, { address: '192.0.2.1' }, 300, 3)], RRType.AXFR)]);
  throwsReason('malformed', RRType.AXFR, [message({ questions: [{ name: ORIGIN, type: RRType.AXFR, class: 1 }], answers: [soa(5)] })]);
  throwsReason('too-large', RRType.AXFR, [answer([soa(5), ...BASE, soa(5)], RRType.AXFR)], { maxRecords: 3, maxBytes: 1e9, maxMessages: 10 });
  throwsReason('too-large', RRType.AXFR, [answer([soa(5)], RRType.AXFR), answer(BASE, RRType.AXFR)], { maxRecords: 100, maxBytes: 1500, maxMessages: 10 });
  throwsReason('too-large', RRType.AXFR, [answer([soa(5)], RRType.AXFR), answer(BASE, RRType.AXFR)], { maxRecords: 100, maxBytes: 1e9, maxMessages: 1 });
  const r = new XfrReader(ORIGIN, RRType.AXFR);
  r.push(answer([soa(5), ...BASE], RRType.AXFR), 10);
  assert.throws(() => r.result(), /before its closing SOA/);
});

test('applyIxfr is strict: a difference from another serial, a deletion we lack or an addition we have are refused', () => {
  const diff = (from: number, to: number, deleted: ResourceRecord[], added: ResourceRecord[]) => ({ from: soa(from) as never, to: soa(to) as never, deleted, added });
  const current = [soa(5), ...BASE];
  assert.throws(() => applyIxfr(current, [diff(4, 6, [], [])]), IxfrApplyError);
  assert.throws(() => applyIxfr(current, [diff(5, 6, [a('nobody', '192.0.2.99')], [])]), /does not have/);
  assert.throws(() => applyIxfr(current, [diff(5, 6, [], [a('pbx', '192.0.2.10')])]), /has already/);
  // Deletions match without case and whatever the TTL.
  const ok = applyIxfr(current, [diff(5, 6, [{ ...a('PBX', '192.0.2.10'), ttl: 1 }], [])]);
  assert.equal(ok.length, 3);
});

test('requests: SOA and AXFR questions, IXFR with our SOA in the authority section; the SOA answer is checked', () => {
  assert.deepEqual(soaQuery(ORIGIN).questions, [{ name: ORIGIN, type: RRType.SOA, class: 1 }]);
  assert.equal(axfrQuery(ORIGIN).questions[0]!.type, RRType.AXFR);
  const ixfr = ixfrQuery(ORIGIN, soa(5));
  assert.deepEqual([ixfr.questions[0]!.type, ixfr.authorities[0]!.type, ixfr.flags.rd], [RRType.IXFR, RRType.SOA, false]);
  const good = answer([soa(9)], RRType.SOA);
  assert.deepEqual(readSoaAnswer(ORIGIN, good), { ok: true, soa: soa(9).data });
  assert.match(JSON.stringify(readSoaAnswer(ORIGIN, { ...good, flags: { ...good.flags, aa: false } })), /not authoritative/);
  assert.match(JSON.stringify(readSoaAnswer(ORIGIN, { ...good, rcode: Rcode.REFUSED })), /REFUSED/);
  assert.match(JSON.stringify(readSoaAnswer(ORIGIN, { ...good, answers: [] })), /no SOA/);
  assert.match(JSON.stringify(readSoaAnswer('other.example.', good)), /another question/);
});

test('NOTIFY: answered NOERROR with AA from a primary; REFUSED from anyone else; NOTAUTH for another zone; FORMERR and NOTIMP', () => {
  const zones = new Map([[ORIGIN, { origin: ORIGIN, primaries: [{ address: '192.0.2.1', port: 53 }] }]]);
  const find = (n: string) => zones.get(n.toLowerCase());
  const notify = (over: Partial<DnsMessage> = {}) => message({ id: 77, flags: { opcode: Opcode.NOTIFY, aa: true }, questions: [{ name: ORIGIN, type: RRType.SOA, class: 1 }], answers: [soa(8)], ...over });
  const ok = answerNotify(notify(), '::ffff:192.0.2.1', find, () => true)!;
  assert.deepEqual(ok.verdict, { kind: 'accepted', zone: ORIGIN, primary: { address: '192.0.2.1', port: 53 }, serial: 8 });
  assert.deepEqual([ok.response.id, ok.response.flags.qr, ok.response.flags.opcode, ok.response.flags.aa, ok.response.rcode, ok.response.questions], [77, true, Opcode.NOTIFY, true, Rcode.NOERROR, notify().questions]);
  const rcode = (m: DnsMessage, from = '192.0.2.1', accept = true) => answerNotify(m, from, find, () => accept)!.response.rcode;
  assert.equal(rcode(notify(), '198.51.100.7'), Rcode.REFUSED);
  assert.equal(rcode(notify(), '192.0.2.1', false), Rcode.REFUSED, 'the TSIG check said no');
  assert.equal(rcode(notify({ questions: [{ name: 'example.org.', type: RRType.SOA, class: 1 }] })), Rcode.NOTAUTH);
  assert.equal(rcode(notify({ questions: [] })), Rcode.FORMERR);
  assert.equal(rcode(notify({ questions: [{ name: ORIGIN, type: RRType.A, class: 1 }] })), Rcode.NOTIMP);
  assert.equal(answerNotify({ ...notify(), flags: { ...notify().flags, qr: true } }, '192.0.2.1', find, () => true), undefined, 'a NOTIFY response is not answered');
});

test('the copy on disk: written, read back equal; damage anywhere, another zone or a wrong header is refused', () => {
  const records = validateZone(ORIGIN, [soa(42), ...BASE]).records;
  const zone = Zone.build(ORIGIN, records);
  const text = encodeZoneCopy(zone, records, 1_790_000_000_000);
  assert.match(text, /^; outpost secondary copy v1 zone=voice\.example\.com\. serial=42 transferred=1790000000000 sha256=[0-9a-f]{64}\n\$ORIGIN voice\.example\.com\.\n/);
  const back = decodeZoneCopy(ORIGIN, text, 'copy.zone');
  assert.equal(back.transferredAt, 1_790_000_000_000);
  assert.deepEqual(back.zone.records().map((r) => `${r.name} ${r.type}`).sort(), records.map((r) => `${r.name} ${r.type}`).sort());
  const refused = (t: string, re: RegExp) => assert.throws(() => decodeZoneCopy(ORIGIN, t, 'copy.zone'), (e: unknown) => e instanceof ZoneCopyError && re.test(e.message));
  refused(text.slice(0, -20), /checksum/);
  refused(text.replace('192.0.2.10', '192.0.2.11'), /checksum/);
  refused(text.slice(text.indexOf('\n') + 1), /header/);
  refused('', /header/);
  assert.throws(() => decodeZoneCopy('other.example.', text, 'copy.zone'), /of zone voice\.example\.com\., not other\.example\./);
  const timers = { serial: 42, refreshedAt: 1_790_000_001_000, expiresAt: 1_791_209_601_000 };
  assert.deepEqual(decodeZoneTimers(ORIGIN, encodeZoneTimers(ORIGIN, timers)), timers);
  for (const bad of ['', '{', '[]', '{"version":2}', encodeZoneTimers('other.example.', timers), encodeZoneTimers(ORIGIN, { ...timers, serial: -1 })]) {
    assert.equal(decodeZoneTimers(ORIGIN, bad), undefined, bad);
  }
});
