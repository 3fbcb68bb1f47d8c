// DNS UPDATE (RFC 2136) in-process: the pure judgement (src/protocol/dns/update/:
// zone section, prerequisites, policy, prescan, apply) on a zone read from zone-file
// text, and the responder's update path through the real codec and TSIG — routing,
// verification, signing, forwarding of a secondary zone's update.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsResponder, type UpdateHandler } from '../../src/protocol/dns/responder.js';
import { UpdatePolicy } from '../../src/protocol/dns/update/policy.js';
import { evaluateUpdate, routeUpdate, type UpdateVerdict } from '../../src/protocol/dns/update/update.js';
import { ZoneSet, type ServedZone } from '../../src/protocol/dns/zone-set.js';
import { loadZoneText } from '../../src/protocol/dns/zone-load.js';
import type { Zone } from '../../src/protocol/dns/zone.js';
import { updateMessage } from '../../src/protocol/ddns/update-message.js';
import { zoneDigest, digestAfter } from '../../src/protocol/dns/zone-digest.js';
import { diffZones } from '../../src/protocol/dns/zone-diff.js';
import {
  decodeMessage, encodeMessage, signMessage, verifyMessage, Opcode, Rcode, RRClass, RRType, DHCID_TYPE, type DnsMessage, type RData, type ResourceRecord, type SOAData, type TsigKey,
} from '../../src/wire/dns/index.js';

const ZONE = `$ORIGIN example.com.
$TTL 300
@        SOA  ns1 hostmaster 100 3600 600 1209600 300
@        NS   ns1
@        NS   ns2
@        TXT  "apex"
ns1      A    192.0.2.53
ns2      A    192.0.2.54
www      A    192.0.2.80
www      A    192.0.2.81
alias    CNAME www
phones   TXT  "voice"
`;

const KEY: TsigKey = { name: 'upd-key.', algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 7) };
const OTHER: TsigKey = { name: 'other-key.', algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 9) };

function zone(text = ZONE, origin = 'example.com'): Zone {
  return loadZoneText(text, { origin, file: `${origin}.zone`, readInclude: () => { throw new Error('no includes'); } }).zone;
}

const EMPTY: RData = { opaque: Buffer.alloc(0) };
const rr = (name: string, type: number, data: RData, ttl = 300, cls: number = RRClass.IN): ResourceRecord => ({ name, type, class: cls, ttl, data });
const a = (name: string, address: string, ttl = 300) => rr(name, RRType.A, { address }, ttl);
/** class ANY: the RRset (type) or the name (ANY) in use / deleted. */
const anyOf = (name: string, type: number) => rr(name, type, EMPTY, 0, RRClass.ANY);
/** class NONE: not in use (prerequisite) / this record deleted (update). */
const noneOf = (name: string, type: number, data: RData = EMPTY) => rr(name, type, data, 0, RRClass.NONE);
const valueOf = (name: string, type: number, data: RData) => rr(name, type, data, 0);

const everything = UpdatePolicy.compile([{ key: 'upd-key' }]);

function evaluate(z: Zone, prereqs: ResourceRecord[], updates: ResourceRecord[], policy = everything, key: string | undefined = 'upd-key.') {
  return evaluateUpdate(updateMessage(1, 'example.com.', prereqs, updates), z, policy, key);
}

function rcodeOf(e: ReturnType<typeof evaluate>): number {
  return e.kind === 'answer' ? e.rcode : Rcode.NOERROR;
}

function changed(e: ReturnType<typeof evaluate>): Zone {
  assert.equal(e.kind, 'change', e.kind === 'answer' ? `expected a change, got rcode ${e.rcode}: ${e.reason}` : '');
  return (e as { zone: Zone }).zone;
}

const names = (z: Zone, name: string, type: number) => (z.node(name)?.rrsets.get(type)?.data ?? []).map((d) => JSON.stringify(d)).sort();

test('prerequisites (RFC 2136 §2.4): each kind holds or fails with its own rcode, and nothing changes when one fails', () => {
  const z = zone();
  const add = [a('new.example.com.', '192.0.2.9')];
  const cases: [string, ResourceRecord[], number][] = [
    ['name in use, it is', [anyOf('www.example.com.', RRType.ANY)], Rcode.NOERROR],
    ['name in use, it is not', [anyOf('nope.example.com.', RRType.ANY)], Rcode.NXDOMAIN],
    ['name not in use, it is', [noneOf('www.example.com.', RRType.ANY)], Rcode.YXDOMAIN],
    ['name not in use, it is not', [noneOf('nope.example.com.', RRType.ANY)], Rcode.NOERROR],
    ['RRset exists, it does', [anyOf('www.example.com.', RRType.A)], Rcode.NOERROR],
    ['RRset exists, it does not', [anyOf('www.example.com.', RRType.TXT)], Rcode.NXRRSET],
    ['RRset does not exist, it does', [noneOf('www.example.com.', RRType.A)], Rcode.YXRRSET],
    ['RRset does not exist, it does not', [noneOf('www.example.com.', RRType.AAAA)], Rcode.NOERROR],
    ['value-dependent, the same set in another order', [valueOf('www.example.com.', RRType.A, { address: '192.0.2.81' }), valueOf('WWW.example.com.', RRType.A, { address: '192.0.2.80' })], Rcode.NOERROR],
    ['value-dependent, a subset', [valueOf('www.example.com.', RRType.A, { address: '192.0.2.80' })], Rcode.NXRRSET],
    ['value-dependent, absent', [valueOf('nope.example.com.', RRType.A, { address: '192.0.2.80' })], Rcode.NXRRSET],
    ['a name outside the zone', [anyOf('www.example.net.', RRType.ANY)], Rcode.NOTZONE],
    ['a TTL other than 0', [{ ...anyOf('www.example.com.', RRType.ANY), ttl: 5 }], Rcode.FORMERR],
    ['class ANY with data', [rr('www.example.com.', RRType.A, { address: '192.0.2.80' }, 0, RRClass.ANY)], Rcode.FORMERR],
    ['another class', [rr('www.example.com.', RRType.A, EMPTY, 0, RRClass.CH)], Rcode.FORMERR],
  ];
  for (const [what, prereqs, want] of cases) {
    const e = evaluate(z, prereqs, add);
    assert.equal(rcodeOf(e), want, what);
    if (want !== Rcode.NOERROR) assert.equal(e.kind, 'answer', `${what}: nothing changed`);
  }
});

test('updates (RFC 2136 §3.4.2): add, delete an RRset, delete a name, delete one record; the serial goes up by one', () => {
  const z = zone();
  let next = changed(evaluate(z, [], [a('new.example.com.', '192.0.2.9'), anyOf('phones.example.com.', RRType.TXT), noneOf('www.example.com.', RRType.A, { address: '192.0.2.80' })]));
  assert.equal(next.serial, 101);
  assert.deepEqual(names(next, 'new.example.com.', RRType.A), ['{"address":"192.0.2.9"}']);
  assert.equal(next.node('phones.example.com.'), undefined, 'its only RRset deleted: the name is gone');
  assert.deepEqual(names(next, 'www.example.com.', RRType.A), ['{"address":"192.0.2.81"}']);
  next = changed(evaluate(next, [], [anyOf('www.example.com.', RRType.ANY)]));
  assert.equal(next.node('www.example.com.'), undefined);
  assert.equal(next.serial, 102);
});

test('the RFC\'s silent skips: CNAME and other data never meet, the apex SOA and NS stay, the last apex NS stays, an older SOA is ignored', () => {
  const z = zone();
  // A grant that lists SOA and NS: else the policy refuses these before the RFC's skips.
  const apexToo = UpdatePolicy.compile([{ key: 'upd-key' }, { key: 'upd-key', types: ['SOA', 'NS'] }]);
  const same = (updates: ResourceRecord[], what: string) => {
    const e = evaluate(z, [], updates, apexToo);
    assert.deepEqual([e.kind, rcodeOf(e)], ['answer', Rcode.NOERROR], what);
  };
  same([rr('www.example.com.', RRType.CNAME, { target: 'ns1.example.com.' })], 'a CNAME beside an A');
  same([a('alias.example.com.', '192.0.2.7')], 'an A beside a CNAME');
  same([anyOf('example.com.', RRType.SOA), anyOf('example.com.', RRType.NS)], 'the apex SOA and NS RRsets');
  same([noneOf('example.com.', RRType.SOA, z.soa.data)], 'the SOA record');
  same([rr('example.com.', RRType.SOA, { ...(z.soa.data as SOAData), serial: 99 })], 'an SOA with an older serial');
  same([a('www.example.com.', '192.0.2.80')], 'a record it has already, same TTL');
  const apex = changed(evaluate(z, [], [anyOf('example.com.', RRType.ANY)]));
  assert.deepEqual([apex.node('example.com.')!.rrsets.size, apex.serial], [2, 101], 'ANY at the apex keeps its SOA and NS');
  const oneNs = changed(evaluate(z, [], [noneOf('example.com.', RRType.NS, { host: 'ns2.example.com.' })], apexToo));
  const still = evaluate(oneNs, [], [noneOf('example.com.', RRType.NS, { host: 'ns1.example.com.' })], apexToo);
  assert.deepEqual([still.kind, rcodeOf(still)], ['answer', Rcode.NOERROR], 'the last apex NS is kept');
  const cname = changed(evaluate(z, [], [rr('alias.example.com.', RRType.CNAME, { target: 'ns1.example.com.' })]));
  assert.deepEqual(names(cname, 'alias.example.com.', RRType.CNAME), ['{"target":"ns1.example.com."}'], 'a CNAME replaces the CNAME');
  const soa = changed(evaluate(z, [], [rr('example.com.', RRType.SOA, { ...(z.soa.data as SOAData), serial: 500 })], apexToo));
  assert.equal(soa.serial, 500, 'a newer SOA serial is taken as it is');
  const ttl = changed(evaluate(z, [], [a('www.example.com.', '192.0.2.82', 60)]));
  assert.equal(ttl.node('www.example.com.')!.rrsets.get(RRType.A)!.ttl, 60, 'the added record\'s TTL is the RRset\'s');
});

test('prescan (RFC 2136 §3.4.1): a bad record anywhere leaves the zone as it was', () => {
  const z = zone();
  const ok = a('new.example.com.', '192.0.2.9');
  const cases: [string, ResourceRecord, number][] = [
    ['outside the zone', a('www.example.net.', '192.0.2.9'), Rcode.NOTZONE],
    ['add of a meta type', rr('new.example.com.', RRType.ANY, EMPTY), Rcode.FORMERR],
    ['RRset deletion with a TTL', { ...anyOf('www.example.com.', RRType.A), ttl: 1 }, Rcode.FORMERR],
    ['record deletion of type ANY', noneOf('www.example.com.', RRType.ANY), Rcode.FORMERR],
    ['another class', rr('www.example.com.', RRType.A, { address: '192.0.2.1' }, 0, RRClass.CH), Rcode.FORMERR],
  ];
  for (const [what, bad, want] of cases) assert.equal(rcodeOf(evaluate(z, [], [ok, bad])), want, what);
});

test('an update that would break a zone rule is refused (a CNAME at a name that only had data below it is fine; an out-of-zone NS target without glue is not checked)', () => {
  const z = zone();
  const e = evaluate(z, [], [rr('sub.example.com.', RRType.NS, { host: 'ns.sub.example.com.' })]);
  assert.deepEqual([e.kind, rcodeOf(e)], ['answer', Rcode.REFUSED], 'a delegation whose in-zone NS target has no glue');
  assert.match((e as UpdateVerdict).reason, /rule/);
});

test('update policy: key, names ("*.sub" strictly below), types; SOA and apex NS only when listed; ANY deletion needs every type present', () => {
  const z = zone();
  const policy = UpdatePolicy.compile([
    { key: 'upd-key', names: ['*.example.com', 'example.com'], types: ['A', 'TXT'] },
    { key: 'other-key.', names: ['phones.example.com.'] },
  ]);
  const judge = (updates: ResourceRecord[], key: string | undefined) => rcodeOf(evaluateUpdate(updateMessage(1, 'example.com.', [], updates), z, policy, key));
  assert.equal(judge([a('new.example.com.', '192.0.2.9')], undefined), Rcode.REFUSED, 'unsigned');
  assert.equal(judge([a('new.example.com.', '192.0.2.9')], 'nobody.'), Rcode.REFUSED, 'a key without a grant');
  assert.equal(judge([a('new.example.com.', '192.0.2.9')], 'UPD-KEY'), Rcode.NOERROR, 'key names compare without case and the final dot');
  assert.equal(judge([rr('new.example.com.', RRType.AAAA, { address: '2001:db8::1' })], 'upd-key.'), Rcode.REFUSED, 'a type not listed');
  assert.equal(judge([a('new.example.com.', '192.0.2.9')], 'other-key.'), Rcode.REFUSED, 'a name not listed');
  assert.equal(judge([rr('phones.example.com.', RRType.MX, { preference: 1, exchange: 'ns1.example.com.' })], 'other-key.'), Rcode.NOERROR, 'no types: any');
  assert.equal(judge([anyOf('phones.example.com.', RRType.ANY)], 'other-key.'), Rcode.NOERROR, 'ANY deletion, every type allowed');
  assert.equal(judge([anyOf('alias.example.com.', RRType.ANY)], 'upd-key.'), Rcode.REFUSED, 'ANY deletion of a CNAME the grant does not cover');
  assert.equal(judge([anyOf('gone.example.com.', RRType.ANY)], 'upd-key.'), Rcode.NOERROR, 'ANY deletion of a name that owns nothing: the name is covered');
  const apexNs = UpdatePolicy.compile([{ key: 'upd-key' }]);
  assert.equal(rcodeOf(evaluate(z, [], [rr('example.com.', RRType.NS, { host: 'ns3.example.net.' })], apexNs)), Rcode.REFUSED, 'apex NS needs listing');
  assert.equal(rcodeOf(evaluate(z, [], [rr('sub.example.com.', RRType.NS, { host: 'ns3.example.net.' })], apexNs)), Rcode.NOERROR, 'NS below the apex is any type');
  const listed = UpdatePolicy.compile([{ key: 'upd-key', types: ['NS', 'SOA'] }]);
  assert.equal(rcodeOf(evaluate(z, [], [rr('example.com.', RRType.NS, { host: 'ns3.example.net.' })], listed)), Rcode.NOERROR, 'apex NS when listed');
  assert.ok(policy.allows('upd-key', 'example.com.', RRType.A, 'example.com.'), 'an exact name');
  assert.ok(!UpdatePolicy.compile([{ key: 'k', names: ['*.sub.example.com'] }]).allows('k', 'sub.example.com.', RRType.A, 'example.com.'), '"*.sub" is strictly below');
});

test('routing: the zone section decides FORMERR, NOTAUTH, forward (secondary) or evaluation (primary)', () => {
  const z = zone();
  const primary: ServedZone = { zone: z, role: 'primary', expiresIn: () => 0, expired: () => false, updatePolicy: everything };
  const find = (served: ServedZone) => (name: string) => new ZoneSet([served]).find(name);
  const route = (m: DnsMessage, served = primary) => routeUpdate(m, find(served));
  const base = updateMessage(1, 'example.com.', [], []);
  assert.deepEqual(route(base), { kind: 'evaluate', zone: 'example.com.' });
  assert.equal((route({ ...base, questions: [] }) as UpdateVerdict).rcode, Rcode.FORMERR);
  assert.equal((route({ ...base, questions: [{ name: 'example.com.', type: RRType.A, class: RRClass.IN }] }) as UpdateVerdict).rcode, Rcode.FORMERR);
  assert.equal((route(updateMessage(1, 'www.example.com.', [], [])) as UpdateVerdict).rcode, Rcode.NOTAUTH, 'a name in the zone is not the zone');
  assert.equal((route(updateMessage(1, 'example.net.', [], [])) as UpdateVerdict).rcode, Rcode.NOTAUTH);
  assert.deepEqual(route(base, { ...primary, role: 'secondary', forwardUpdates: true }), { kind: 'forward', zone: 'example.com.' });
  assert.equal((route(base, { ...primary, role: 'secondary', forwardUpdates: false }) as UpdateVerdict).rcode, Rcode.REFUSED);
});

test('the content digest follows a difference: the digest after an update equals the digest of the new version', () => {
  const z = zone();
  const next = changed(evaluate(z, [], [a('new.example.com.', '192.0.2.9'), anyOf('www.example.com.', RRType.A), rr('h.example.com.', DHCID_TYPE, { opaque: Buffer.from('0001', 'hex') })]));
  assert.equal(digestAfter(zoneDigest(z), diffZones(z, next)), zoneDigest(next));
  assert.notEqual(zoneDigest(z), zoneDigest(next));
  assert.equal(zoneDigest(zone(ZONE.replace('www      A    192.0.2.80', 'WWW      A    192.0.2.80'))), zoneDigest(z), 'spelling does not count');
});

/** A responder over one primary and one secondary zone, its handler recording calls. */
function responder(): { r: DnsResponder; calls: string[]; forwarded: Buffer[] } {
  const calls: string[] = [];
  const forwarded: Buffer[] = [];
  const primary: ServedZone = { zone: zone(), role: 'primary', expiresIn: () => 0, expired: () => false, updatePolicy: everything };
  const secondary: ServedZone = { zone: zone(ZONE.replaceAll('example.com', 'example.org'), 'example.org'), role: 'secondary', expiresIn: () => 0, expired: () => false, forwardUpdates: true };
  const updates: UpdateHandler = {
    apply: async (zoneName, message, key) => {
      calls.push(`apply ${zoneName} ${key ?? 'unsigned'}`);
      return evaluateUpdate(message, primary.zone, everything, key).kind === 'change' ? Rcode.NOERROR : Rcode.REFUSED;
    },
    forward: async (zoneName, wire) => {
      calls.push(`forward ${zoneName}`);
      forwarded.push(wire);
      const answer = Buffer.from(wire.subarray(0, 12));
      answer[2] = 0x80 | (Opcode.UPDATE << 3);
      return answer;
    },
    refused: (v: UpdateVerdict, key) => { calls.push(`refused ${v.rcode} ${key ?? 'unsigned'}`); },
  };
  const r = new DnsResponder(new ZoneSet([primary, secondary]), { udpSize: 1232, tsigKeys: [KEY, OTHER], now: () => 1_800_000_000, updates });
  return { r, calls, forwarded };
}

test('responder: a signed update is verified, applied and its answer signed with the same key', async () => {
  const { r, calls } = responder();
  const wire = encodeMessage(updateMessage(42, 'example.com.', [noneOf('new.example.com.', RRType.ANY)], [a('new.example.com.', '192.0.2.9')]));
  const signed = signMessage(wire, KEY, { now: 1_800_000_000 });
  const answer = await r.update(signed.message, 'udp', '198.51.100.7');
  assert.ok(answer);
  const m = decodeMessage(answer);
  assert.deepEqual([m.id, m.flags.qr, m.flags.opcode, m.rcode, m.questions[0]!.name], [42, true, Opcode.UPDATE, Rcode.NOERROR, 'example.com.']);
  const verdict = verifyMessage(answer, (name) => (name.toLowerCase() === KEY.name ? KEY : undefined), { now: 1_800_000_000, requestMac: signed.mac });
  assert.ok(verdict?.ok, 'the answer verifies with the request MAC');
  assert.deepEqual(calls, ['apply example.com. upd-key.']);
  assert.equal(r.counters.updates.get('noerror'), 1);
});

test('responder: a bad signature gets NOTAUTH/BADSIG and never reaches the handler; unsigned goes on (the policy refuses it)', async () => {
  const { r, calls } = responder();
  const wire = encodeMessage(updateMessage(5, 'example.com.', [], [a('new.example.com.', '192.0.2.9')]));
  const forged = signMessage(wire, { ...KEY, secret: Buffer.alloc(32, 1) }, { now: 1_800_000_000 }).message;
  const bad = decodeMessage((await r.update(forged, 'tcp', '198.51.100.7'))!);
  assert.equal(bad.rcode, Rcode.NOTAUTH);
  assert.deepEqual(calls, []);
  const unsigned = decodeMessage((await r.update(wire, 'udp', '198.51.100.7'))!);
  assert.equal(unsigned.rcode, Rcode.REFUSED);
  assert.deepEqual(calls, ['apply example.com. unsigned']);
});

test('responder: a secondary zone\'s update is forwarded as received (its TSIG unchecked here) and the answer relayed', async () => {
  const { r, calls, forwarded } = responder();
  const wire = encodeMessage(updateMessage(77, 'example.org.', [], [a('new.example.org.', '192.0.2.9')]));
  const signed = signMessage(wire, { name: 'unknown-here.', algorithm: 'hmac-sha256', secret: Buffer.alloc(32, 3) }, { now: 1_800_000_000 }).message;
  const answer = await r.update(signed, 'udp', '198.51.100.7');
  assert.deepEqual(calls, ['forward example.org.']);
  assert.ok(forwarded[0]!.equals(signed), 'forwarded byte for byte');
  assert.equal(answer!.readUInt16BE(0), 77);
  assert.equal(r.counters.updates.get('forwarded'), 1);
});

test('responder: routing answers (NOTAUTH, FORMERR) are logged through the handler and signed when the update was', async () => {
  const { r, calls } = responder();
  const wire = encodeMessage(updateMessage(9, 'example.net.', [], []));
  const signed = signMessage(wire, KEY, { now: 1_800_000_000 });
  const answer = (await r.update(signed.message, 'udp', '198.51.100.7'))!;
  assert.equal(decodeMessage(answer).rcode, Rcode.NOTAUTH);
  assert.ok(verifyMessage(answer, () => KEY, { now: 1_800_000_000, requestMac: signed.mac })?.ok);
  assert.deepEqual(calls, [`refused ${Rcode.NOTAUTH} upd-key.`]);
  assert.equal(decodeMessage((await r.update(Buffer.from([0, 9, 0x28, 0, 0, 1, 0, 0, 0, 0, 0, 0]), 'udp'))!).rcode, Rcode.FORMERR, 'a question announced but missing: FORMERR from the header');
});
