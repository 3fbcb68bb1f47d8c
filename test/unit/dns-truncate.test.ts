// Size-limited responses (encodeResponse): whole RRsets only, TC when an answer or
// authority RRset (or a referral's in-domain glue) does not fit, other additional
// records dropped without TC, the question, OPT and TSIG always kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RRClass, RRType, decodeMessage, encodeMessage, encodeResponse, encodeResponseInto, namesEqual, type DnsMessage, type ResourceRecord,
} from '../../src/wire/dns/index.js';
import { dnsFixtures, message, rr } from '../support/dns-fixture.js';

const EDNS = { udpSize: 1232, version: 0, do: false, z: 0, options: [{ code: 3, data: Buffer.from('outpost-site-a') }] };
const txt = (name: string, n: number, size = 40) => Array.from({ length: n }, (_, i) => rr(name, RRType.TXT, { strings: [Buffer.alloc(size, 0x61 + (i % 26))] }));
const tc = (w: Buffer) => (w[2]! & 0x02) !== 0;

function response(init: Partial<DnsMessage>): DnsMessage {
  return message({ flags: { qr: true, aa: true }, questions: [{ name: 'big.example.com.', type: RRType.TXT, class: RRClass.IN }], edns: EDNS, ...init });
}

test('a response that fits is exactly encodeMessage\'s bytes', () => {
  const m = response({ answers: txt('big.example.com.', 3), authorities: [rr('example.com.', 2, { host: 'ns1.example.com.' })], additionals: [rr('ns1.example.com.', 1, { address: '192.0.2.53' })] });
  assert.deepEqual(encodeResponse(m, 1232), encodeMessage(m));
  assert.deepEqual(encodeResponse(m, encodeMessage(m).length), encodeMessage(m));
});

test('answers that do not fit: TC, whole RRsets only, the question and OPT kept, the other sections dropped', () => {
  const first = txt('a.example.com.', 3);
  const second = txt('big.example.com.', 20);
  const m = response({ answers: [...first, ...second], authorities: [rr('example.com.', 2, { host: 'ns1.example.com.' })], additionals: [rr('ns1.example.com.', 1, { address: '192.0.2.53' })] });
  const w = encodeResponse(m, 512);
  assert.ok(w.length <= 512);
  assert.ok(tc(w));
  const d = decodeMessage(w);
  assert.deepEqual(d.questions, m.questions);
  assert.deepEqual(d.answers, first, 'the first RRset fits, none of the second');
  assert.deepEqual(d.authorities, []);
  assert.deepEqual(d.additionals, []);
  assert.deepEqual(d.edns, EDNS);
});

test('an authority RRset that does not fit sets TC', () => {
  const m = response({ answers: [], authorities: [rr('example.com.', RRType.SOA, { mname: 'ns1.example.com.', rname: 'h.example.com.', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5 }), ...txt('example.com.', 20)] });
  const d = decodeMessage(encodeResponse(m, 512));
  assert.ok(d.flags.tc);
  assert.equal(d.authorities.length, 1);
});

test('additional records that do not fit are dropped without TC; later ones that fit are still written', () => {
  const answers = [rr('www.example.com.', 1, { address: '192.0.2.80' })];
  const big = txt('extra.example.com.', 20);
  const small = rr('small.example.com.', 1, { address: '192.0.2.7' });
  const m = response({ answers, additionals: [...big, small] });
  const w = encodeResponse(m, 512);
  const d = decodeMessage(w);
  assert.ok(!d.flags.tc);
  assert.deepEqual(d.answers, answers);
  assert.deepEqual(d.additionals, [small]);
});

test('a referral\'s in-domain glue is written first and sets TC when it does not fit (RFC 9471); sibling glue does not', () => {
  const ns = [rr('sub.example.com.', 2, { host: 'ns1.sub.example.com.' }), rr('sub.example.com.', 2, { host: 'ns.example.net.' })];
  const glue = [rr('ns1.sub.example.com.', 1, { address: '192.0.2.53' }), rr('ns1.sub.example.com.', 28, { address: '2001:db8::53' })];
  const sibling = rr('ns.example.net.', 1, { address: '198.51.100.53' });
  const referral = message({ flags: { qr: true }, questions: [{ name: 'www.sub.example.com.', type: 1, class: 1 }], authorities: ns, additionals: [...txt('noise.example.com.', 2), sibling, ...glue], edns: EDNS });
  const full = decodeMessage(encodeResponse(referral, 1232));
  assert.deepEqual(full.additionals, [...glue, ...txt('noise.example.com.', 2), sibling], 'glue first, then the rest in order');
  // Room for the NS RRset and the glue only.
  const justGlue = encodeMessage({ ...referral, additionals: glue }).length;
  const d = decodeMessage(encodeResponse(referral, justGlue));
  assert.ok(!d.flags.tc);
  assert.deepEqual(d.additionals, glue);
  const short = decodeMessage(encodeResponse(referral, justGlue - 1));
  assert.ok(short.flags.tc, 'in-domain glue that does not fit: TC');
  assert.deepEqual(short.authorities, ns);
  const noSiblingRoom = decodeMessage(encodeResponse({ ...referral, additionals: [...glue, sibling] }, justGlue));
  assert.ok(!noSiblingRoom.flags.tc, 'sibling glue (outside the delegated zone) is dropped without TC');
});

test('a TSIG record is kept last and space for it set aside; `reserve` leaves room for one appended later', () => {
  const tsig = rr('tsig-key.example.', RRType.TSIG, { algorithm: 'hmac-sha256.', timeSigned: 1, fudge: 300, mac: Buffer.alloc(32), originalId: 1, error: 0, other: Buffer.alloc(0) }, 0, RRClass.ANY);
  const m = response({ answers: txt('big.example.com.', 30), additionals: [tsig] });
  const w = encodeResponse(m, 512);
  const d = decodeMessage(w);
  assert.ok(w.length <= 512 && d.flags.tc);
  assert.deepEqual(d.additionals, [tsig]);
  assert.deepEqual(d.edns, EDNS);
  const r = encodeResponse(response({ answers: txt('big.example.com.', 30) }), 512, { reserve: 100 });
  assert.ok(r.length <= 412);
  assert.ok(decodeMessage(r).flags.tc);
});

test('when the header, question and OPT alone exceed the limit: too-large; a small buffer: no-space', () => {
  const m = response({ edns: { ...EDNS, options: [{ code: 12, data: Buffer.alloc(600) }] } });
  assert.throws(() => encodeResponse(m, 512), /too-large: the header, questions, OPT and TSIG records alone exceed 512 bytes/);
  assert.throws(() => encodeResponse(m, 11), /bad-value: limit/);
  assert.throws(() => encodeResponseInto(response({}), Buffer.alloc(100), 0, 512), /no-space/);
});

test('a dropped RRset leaves no compression target behind (rollback)', () => {
  // The TXT RRset at x.sub.example.com. does not fit and is dropped; the A record after it
  // would otherwise point into its bytes, which were overwritten.
  const m = response({
    answers: [rr('www.example.com.', 1, { address: '192.0.2.80' })],
    additionals: [...txt('x.sub.example.com.', 15), rr('y.sub.example.com.', 1, { address: '192.0.2.9' }), rr('sub.example.com.', 1, { address: '192.0.2.10' })],
  });
  const d = decodeMessage(encodeResponse(m, 300));
  assert.deepEqual(d.additionals.map((r) => r.name), ['y.sub.example.com.', 'sub.example.com.']);
});

function rrsetsOf(list: readonly ResourceRecord[]): ResourceRecord[][] {
  const out: ResourceRecord[][] = [];
  for (const r of list) {
    const last = out[out.length - 1];
    if (last !== undefined && last[0]!.type === r.type && namesEqual(last[0]!.name, r.name)) last.push(r);
    else out.push([r]);
  }
  return out;
}

test('every limit from 80 to the full size over a captured AXFR: within the limit, decodable, a prefix of whole RRsets', () => {
  const axfr = decodeMessage(dnsFixtures().find((f) => f.name === 'dig-10-axfr-knot-response.hex')!.bytes);
  const full = encodeMessage(axfr).length;
  const sets = rrsetsOf(axfr.answers);
  for (let limit = 80; limit <= full + 10; limit += 7) {
    const w = encodeResponse(axfr, limit);
    assert.ok(w.length <= limit, `limit ${limit}`);
    const d = decodeMessage(w);
    assert.equal(d.flags.tc, limit < full, `limit ${limit}`);
    let n = 0;
    let i = 0;
    while (n < d.answers.length) n += sets[i++]!.length;
    assert.equal(n, d.answers.length, `limit ${limit}: whole RRsets`);
    assert.deepEqual(d.answers, axfr.answers.slice(0, n));
  }
});
