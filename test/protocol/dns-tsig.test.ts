// The responder with TSIG (RFC 8945) in-process, on a fake clock: a signed query is
// verified and its answer signed with the same key (never cached); a wrong MAC, an
// unknown key and a clock outside the fudge get NOTAUTH with BADSIG / BADKEY (unsigned)
// and BADTIME (signed, with our time); an unreadable TSIG gets FORMERR. Truncated UDP
// answers keep room for the TSIG.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsResponder, type ResponderOptions } from '../../src/protocol/dns/responder.js';
import { ZoneSet } from '../../src/protocol/dns/zone-set.js';
import { loadZoneText } from '../../src/protocol/dns/zone-load.js';
import {
  decodeMessage, encodeMessage, hasType, Rcode, RRType, signMessage, TsigKeyring, verifyMessage, type DnsMessage, type Edns, type SOAData, type TSIGData,
  type TsigFailure, type TsigKey,
} from '../../src/wire/dns/index.js';
import { message } from '../support/dns-fixture.js';

const ZONE = `$ORIGIN example.com.
$TTL 3600
@        SOA  ns1 hostmaster 2026113001 3600 600 1209600 300
@        NS   ns1
ns1      A    192.0.2.53
www      A    192.0.2.80
${Array.from({ length: 60 }, (_, i) => `many A 198.51.100.${i + 1}`).join('\n')}
`;

const KEY: TsigKey = { name: 'xfr.example.com', algorithm: 'hmac-sha256', secret: Buffer.from('an outpost test key, 32 bytes..!') };
const SHA1: TsigKey = { name: 'old.example.com', algorithm: 'hmac-sha1', secret: Buffer.alloc(20, 3) };
const T0 = 1_796_000_000;
const EDNS: Edns = { udpSize: 1232, version: 0, do: false, z: 0, options: [] };

function responder(o: Partial<ResponderOptions> = {}): { r: DnsResponder; clock: { t: number }; failures: TsigFailure[] } {
  const { zone } = loadZoneText(ZONE, { origin: 'example.com', file: 'example.com.zone', readInclude: () => { throw new Error('no includes'); } });
  const expire = (zone.soa.data as SOAData).expire;
  const clock = { t: T0 };
  const r = new DnsResponder(new ZoneSet([{ zone, role: 'primary', expiresIn: () => expire, expired: () => false }]), { udpSize: 1232, tsigKeys: [KEY, SHA1], now: () => clock.t, ...o });
  const failures: TsigFailure[] = [];
  r.onTsigFailure = (f) => failures.push(f);
  return { r, clock, failures };
}

function signedQuery(name: string, type: number, key: TsigKey, o: { now?: number; edns?: Edns; id?: number } = {}): { wire: Buffer; mac: Buffer } {
  const q = encodeMessage(message({ id: o.id ?? 7, flags: { rd: true }, questions: [{ name, type, class: 1 }], ...(o.edns ? { edns: o.edns } : {}) }));
  const s = signMessage(q, key, { now: o.now ?? T0 });
  return { wire: s.message, mac: s.mac };
}

const tsigOf = (m: DnsMessage): TSIGData | undefined => {
  const last = m.additionals.at(-1);
  return last && hasType(last, RRType.TSIG) ? last.data : undefined;
};

test('a signed query is answered and the answer signed with the same key, bound to the request MAC; never from the cache', () => {
  const { r } = responder();
  for (const key of [KEY, SHA1]) {
    const q = signedQuery('www.example.com.', RRType.A, key, { edns: EDNS });
    const wire = r.respond(q.wire, 'udp')!;
    const a = decodeMessage(wire);
    assert.deepEqual([a.rcode, a.flags.aa, a.answers.length, a.edns?.udpSize], [Rcode.NOERROR, true, 1, 1232]);
    assert.equal(a.additionals.at(-1)!.name, `${key.name}.`);
    const v = verifyMessage(wire, new TsigKeyring([key]).find, { now: T0, requestMac: q.mac });
    assert.ok(v?.ok, `${key.algorithm}: ${JSON.stringify(v)}`);
    assert.equal(verifyMessage(wire, new TsigKeyring([key]).find, { now: T0 })?.ok, false, 'bound to the request');
  }
  assert.equal(r.counters.tsig.get('ok'), 2);
  // Again, signed: answered afresh (signed); unsigned: answered from scratch too, unsigned.
  const again = r.respond(signedQuery('www.example.com.', RRType.A, KEY, { edns: EDNS }).wire, 'udp')!;
  assert.ok(tsigOf(decodeMessage(again)));
  const plain = encodeMessage(message({ id: 8, flags: { rd: true }, questions: [{ name: 'www.example.com.', type: RRType.A, class: 1 }], edns: EDNS }));
  assert.equal(tsigOf(decodeMessage(r.respond(plain, 'udp')!)), undefined);
  assert.equal(tsigOf(decodeMessage(r.respond(plain, 'udp')!)), undefined);
  assert.equal(r.counters.cacheHits, 1, 'only the unsigned answer was cached');
});

test('a wrong MAC gets NOTAUTH with BADSIG, an unknown key or algorithm BADKEY, both unsigned; counted and reported without the secret', () => {
  const { r, failures } = responder();
  const wrong = signedQuery('www.example.com.', RRType.A, { ...KEY, secret: Buffer.alloc(32, 1) });
  const unknown = signedQuery('www.example.com.', RRType.A, { ...KEY, name: 'who.example.' });
  const otherAlg = signedQuery('www.example.com.', RRType.A, { ...KEY, algorithm: 'hmac-sha512' });
  for (const [q, error] of [[wrong, 'BADSIG'], [unknown, 'BADKEY'], [otherAlg, 'BADKEY']] as const) {
    const a = decodeMessage(r.respond(q.wire, 'udp')!);
    const t = tsigOf(a);
    assert.deepEqual([a.rcode, a.flags.qr, a.answers.length, a.questions.length, t?.error, t?.mac.length, t?.timeSigned, t?.originalId], [Rcode.NOTAUTH, true, 0, 1, Rcode[error], 0, T0, 7]);
  }
  assert.deepEqual([r.counters.tsig.get('badsig'), r.counters.tsig.get('badkey'), r.counters.outcomes.get('notauth')], [1, 2, 3]);
  assert.deepEqual(failures.map((f) => [f.error, f.keyName, f.algorithm]), [['BADSIG', 'xfr.example.com.', 'hmac-sha256.'], ['BADKEY', 'who.example.', 'hmac-sha256.'], ['BADKEY', 'xfr.example.com.', 'hmac-sha512.']]);
  assert.ok(!JSON.stringify(failures).includes(KEY.secret.toString('hex')));
});

test('a clock outside the fudge gets NOTAUTH with BADTIME, signed, with the request time and our time', () => {
  const { r, clock } = responder();
  const q = signedQuery('www.example.com.', RRType.A, KEY);
  clock.t = T0 + 301;
  const wire = (r.respond(q.wire, 'tcp') as Buffer);
  const a = decodeMessage(wire);
  const t = tsigOf(a)!;
  assert.deepEqual([a.rcode, t.error, t.timeSigned, t.other.readUIntBE(0, 6), t.mac.length], [Rcode.NOTAUTH, Rcode.BADTIME, T0, T0 + 301, 32]);
  const seen = verifyMessage(wire, new TsigKeyring([KEY]).find, { now: T0, requestMac: q.mac });
  assert.ok(seen && !seen.ok && seen.error === 'BADTIME', 'the client verifies it and learns the error');
  clock.t = T0 - 300;
  assert.equal(decodeMessage((r.respond(q.wire, 'tcp') as Buffer)).rcode, Rcode.NOERROR, 'within the fudge');
  assert.deepEqual([r.counters.tsig.get('badtime'), r.counters.tsig.get('ok')], [1, 1]);
});

test('an unreadable TSIG (MAC longer than the hash) gets FORMERR without TSIG; no keys at all: BADKEY', () => {
  const { r } = responder();
  const q = encodeMessage(message({
    id: 9, questions: [{ name: 'www.example.com.', type: RRType.A, class: 1 }],
    additionals: [{ name: 'xfr.example.com.', type: RRType.TSIG, class: 255, ttl: 0, data: { algorithm: 'hmac-sha256.', timeSigned: T0, fudge: 300, mac: Buffer.alloc(40), originalId: 9, error: 0, other: Buffer.alloc(0) } }],
  }));
  const a = decodeMessage(r.respond(q, 'udp')!);
  assert.deepEqual([a.rcode, tsigOf(a), r.counters.tsig.get('formerr')], [Rcode.FORMERR, undefined, 1]);

  const none = new DnsResponder(new ZoneSet([]), { udpSize: 1232 });
  const b = decodeMessage(none.respond(signedQuery('www.example.com.', RRType.A, KEY).wire, 'udp')!);
  assert.deepEqual([b.rcode, tsigOf(b)?.error], [Rcode.NOTAUTH, Rcode.BADKEY]);
  assert.throws(() => new DnsResponder(new ZoneSet([]), { udpSize: 1232, tsigKeys: [KEY] }), /now is required/);
});

test('a signed answer too large for UDP is truncated with room for its TSIG; over TCP it is whole; both signed', () => {
  const { r } = responder();
  const q = signedQuery('many.example.com.', RRType.A, KEY);
  const udp = r.respond(q.wire, 'udp')!;
  assert.ok(udp.length <= 512, `${udp.length} bytes`);
  const a = decodeMessage(udp);
  assert.deepEqual([a.flags.tc, a.answers.length], [true, 0]);
  assert.ok(verifyMessage(udp, new TsigKeyring([KEY]).find, { now: T0, requestMac: q.mac })?.ok);
  const tcp = (r.respond(q.wire, 'tcp') as Buffer);
  assert.deepEqual([decodeMessage(tcp).flags.tc, decodeMessage(tcp).answers.length], [false, 60]);
  assert.ok(verifyMessage(tcp, new TsigKeyring([KEY]).find, { now: T0, requestMac: q.mac })?.ok);
});

test('a signed response (QR set) is not answered; refusals of the query path are signed too', () => {
  const { r } = responder();
  const resp = encodeMessage(message({ id: 3, flags: { qr: true }, questions: [{ name: 'www.example.com.', type: RRType.A, class: 1 }] }));
  assert.equal(r.respond(signMessage(resp, KEY, { now: T0 }).message, 'udp'), undefined);
  assert.equal(r.counters.tsig.size, 0, 'not even verified');
  const q = signedQuery('www.example.org.', RRType.A, KEY);
  const refused = r.respond(q.wire, 'udp')!;
  assert.equal(decodeMessage(refused).rcode, Rcode.REFUSED);
  assert.ok(verifyMessage(refused, new TsigKeyring([KEY]).find, { now: T0, requestMac: q.mac })?.ok);
});
