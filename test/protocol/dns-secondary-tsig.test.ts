// TSIG of a secondary's transfers (RFC 8945; docs/dns.md "Secondary zones", TSIG):
// TsigXfrSecurity without sockets — signed requests, single answers good, forged,
// unsigned, refused and out of time, transfer streams of several messages, NOTIFYs
// signed or not and their signed answers; primaries without a key stay unsigned.
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMessage, Opcode, Rcode, RRType, type DnsMessage } from '../../src/wire/dns/index.js';
import { signMessage, TsigKeyring, TsigStreamSigner, tsigErrorResponse, verifyMessage, type TsigKey } from '../../src/wire/dns/tsig.js';
import { axfrQuery, soaQuery } from '../../src/protocol/dns/secondary/requests.js';
import { answerNotify } from '../../src/protocol/dns/secondary/notify.js';
import { UNSIGNED, type PrimaryServer } from '../../src/protocol/dns/secondary/primary.js';
import { TsigAnswerError, TsigXfrSecurity, tsigMacOf, type XfrTsigFailure } from '../../src/protocol/dns/secondary/tsig-security.js';
import { message, rr } from '../support/dns-fixture.js';

const ORIGIN = 'voice.example.com.';
const NOW = 1_780_000_000;
const KEY: TsigKey = { name: 'xfr.example.com', algorithm: 'hmac-sha256', secret: Buffer.from('the right secret of 32 bytes ok!') };
const WRONG: TsigKey = { ...KEY, secret: Buffer.from('a wrong secret, also 32 bytes ok') };
const OTHER: TsigKey = { name: 'other.example.com', algorithm: 'hmac-sha256', secret: KEY.secret };
const SIGNED: PrimaryServer = { address: '192.0.2.1', port: 53, key: 'XFR.example.com.' };
const PLAIN: PrimaryServer = { address: '192.0.2.2', port: 53 };

function security(now = () => NOW) {
  const failures: XfrTsigFailure[] = [];
  const s = new TsigXfrSecurity({ keys: [KEY, OTHER], now, onFailure: (f) => failures.push(f) });
  return { s, failures };
}

const soa = (serial: number) => rr(ORIGIN, RRType.SOA, { mname: `ns1.${ORIGIN}`, rname: `hostmaster.${ORIGIN}`, serial, refresh: 3600, retry: 600, expire: 86400, minimum: 300 });
const a = (name: string, address: string) => rr(`${name}.${ORIGIN}`, RRType.A, { address });
const response = (id: number, type: number, answers: DnsMessage['answers'], over: Partial<DnsMessage> = {}): Buffer =>
  encodeMessage(message({ id, flags: { qr: true, aa: true }, questions: [{ name: ORIGIN, type, class: 1 }], answers, ...over }));
const rejects = (error: string, reason: RegExp) => (e: unknown) => {
  assert.ok(e instanceof TsigAnswerError, String(e));
  assert.equal(e.failure.error, error);
  assert.match(e.failure.reason, reason);
  assert.match(e.message, /^TSIG \(key xfr\.example\.com\): /);
  return true;
};

test('requests to a primary with a key are signed with it (the primary can verify them); without a key they are unchanged', () => {
  const { s } = security();
  const request = encodeMessage({ ...soaQuery(ORIGIN), id: 4242 });
  const signed = s.signRequest(SIGNED, request);
  assert.notDeepEqual(signed, request);
  const v = verifyMessage(signed, new TsigKeyring([KEY]).find, { now: NOW });
  assert.ok(v?.ok, JSON.stringify(v));
  assert.deepEqual(tsigMacOf(signed), v.mac);
  assert.equal(verifyMessage(signed, new TsigKeyring([WRONG]).find, { now: NOW })?.ok, false, 'not with another secret');
  assert.equal(s.signRequest(PLAIN, request), request);
  assert.equal(UNSIGNED.signRequest(SIGNED, request), request, 'UNSIGNED stays for tests');
  assert.throws(() => s.signRequest({ ...PLAIN, key: 'missing.example' }, request), /TSIG key missing\.example of primary 192\.0\.2\.2:53 is not in dns\.keys/);
});

test('a single answer: signed with the key and the request MAC passes; forged, unsigned, refused, out of time or with another key fail, logged', () => {
  const { s, failures } = security();
  const signed = s.signRequest(SIGNED, encodeMessage({ ...soaQuery(ORIGIN), id: 7 }));
  const requestMac = tsigMacOf(signed)!;
  const answer = response(7, RRType.SOA, [soa(5)]);
  const check = (wire: Buffer) => { const v = s.responseVerifier(SIGNED, signed); v.message(wire); v.end(); };

  check(signMessage(answer, KEY, { now: NOW + 10, requestMac }).message);
  assert.equal(failures.length, 0);

  assert.throws(() => check(signMessage(answer, WRONG, { now: NOW, requestMac }).message), rejects('BADSIG', /MAC does not match/));
  assert.throws(() => check(signMessage(answer, KEY, { now: NOW, requestMac: Buffer.alloc(32) }).message), rejects('BADSIG', /MAC does not match/), 'bound to another request');
  assert.throws(() => check(answer), rejects('UNSIGNED', /^the answer is not signed$/));
  const refusedPlain = response(7, RRType.SOA, [], { rcode: Rcode.REFUSED });
  assert.throws(() => check(refusedPlain), rejects('UNSIGNED', /the answer is not signed \(rcode REFUSED\)/));
  // What BIND answers a request signed with the wrong secret: NOTAUTH, TSIG error BADSIG, empty MAC.
  const notauth = tsigErrorResponse(response(7, RRType.SOA, [], { rcode: Rcode.NOTAUTH }), { ok: false, error: 'BADSIG', keyName: 'xfr.example.com.', algorithm: 'hmac-sha256.', detail: '' }, { now: NOW });
  assert.throws(() => check(notauth), rejects('BADSIG', /the peer refused our signature: BADSIG .*\(rcode NOTAUTH\)/));
  assert.throws(() => check(signMessage(answer, KEY, { now: NOW + 301, requestMac }).message), rejects('BADTIME', /outside the fudge of 300/));
  assert.throws(() => check(signMessage(answer, OTHER, { now: NOW, requestMac }).message), rejects('BADKEY', /no key other\.example\.com\./), 'another configured key is not this primary\'s');

  assert.equal(failures.length, 7);
  assert.ok(failures.every((f) => f.what === 'answer' && f.primary === '192.0.2.1:53' && f.key === 'xfr.example.com'));
  assert.ok(!JSON.stringify(failures).includes(KEY.secret.toString('base64')));

  // A primary without a key: nothing is checked, signed answers or not.
  const plain = s.responseVerifier(PLAIN, encodeMessage({ ...soaQuery(ORIGIN), id: 7 }));
  plain.message(answer);
  plain.end();
});

test('a transfer stream: every message signed, or unsigned ones between signed ones, passes; a forged, reordered or unsigned-last stream fails', () => {
  const { s } = security();
  const signed = s.signRequest(SIGNED, encodeMessage({ ...axfrQuery(ORIGIN), id: 9 }));
  const requestMac = tsigMacOf(signed)!;
  const parts = [
    response(9, RRType.AXFR, [soa(3), rr(ORIGIN, RRType.NS, { host: `ns1.${ORIGIN}` })]),
    response(9, RRType.AXFR, [a('ns1', '192.0.2.53'), a('pbx', '192.0.2.10')], { questions: [] }),
    response(9, RRType.AXFR, [a('fax', '192.0.2.11')], { questions: [] }),
    response(9, RRType.AXFR, [soa(3)], { questions: [] }),
  ];
  const run = (wires: Buffer[]) => { const v = s.responseVerifier(SIGNED, signed); for (const w of wires) v.message(w); v.end(); };
  const allSigned = (key = KEY, mac = requestMac) => { const signer = new TsigStreamSigner(key, { requestMac: mac }); return parts.map((p) => signer.sign(p, { now: NOW })); };

  run(allSigned());
  // RFC 8945 §5.3.1: unsigned messages may come between signed ones; they are digested with the next signed one.
  const sparse = (() => {
    const first = signMessage(parts[0]!, KEY, { now: NOW, requestMac });
    const last = signWithUnsigned(parts.slice(1, 3), parts[3]!, first.mac);
    return [first.message, parts[1]!, parts[2]!, last];
  })();
  run(sparse);

  const good = allSigned();
  assert.throws(() => run([good[0]!, good[2]!, good[1]!, good[3]!]), rejects('BADSIG', /MAC does not match/), 'reordered');
  assert.throws(() => run(allSigned(WRONG)), rejects('BADSIG', /MAC does not match/));
  assert.throws(() => run(parts), rejects('UNSIGNED', /the answer is not signed/));
  assert.throws(() => run([good[0]!, parts[1]!, parts[2]!, parts[3]!]), rejects('UNSIGNED', /the last 3 messages of the stream are not signed/));
  const tampered = Buffer.from(good[2]!);
  tampered[tampered.length - 60]! ^= 1;
  assert.throws(() => run([good[0]!, good[1]!, tampered, good[3]!]), (e: unknown) => e instanceof TsigAnswerError || /decode/i.test(String(e)));
});

/** `last` signed as the message closing a run of unsigned ones (RFC 8945 §4.3.2): prior MAC, the unsigned messages, this one, the timers — what TsigStreamSigner (which signs every message) never sends. */
function signWithUnsigned(unsigned: Buffer[], last: Buffer, previousMac: Buffer): Buffer {
  // Sign `last` as a stream message (timers only), then redo its MAC over the unsigned messages too.
  const provisional = signMessage(last, KEY, { now: NOW, previousMac });
  const len = Buffer.alloc(2);
  len.writeUInt16BE(previousMac.length, 0);
  const timers = Buffer.alloc(8);
  timers.writeUInt16BE(Math.floor(NOW / 0x1_0000_0000), 0);
  timers.writeUInt32BE(NOW % 0x1_0000_0000, 2);
  timers.writeUInt16BE(300, 6);
  const mac = createHmac('sha256', KEY.secret).update(len).update(previousMac);
  for (const u of unsigned) mac.update(u);
  const digest = mac.update(last).update(timers).digest();
  const out = Buffer.from(provisional.message);
  const at = out.indexOf(provisional.mac);
  digest.copy(out, at);
  return out;
}

test('NOTIFY from a primary with a key: accepted only when signed with it, and answered signed; without a key as before', () => {
  const { s, failures } = security();
  const notify = encodeMessage(message({ id: 31, flags: { opcode: Opcode.NOTIFY, aa: true }, questions: [{ name: ORIGIN, type: RRType.SOA, class: 1 }], answers: [soa(6)] }));
  const good = signMessage(notify, KEY, { now: NOW });
  assert.equal(s.acceptNotify(SIGNED, good.message), true);
  assert.match(String(s.acceptNotify(SIGNED, notify)), /does not verify with key xfr\.example\.com: the NOTIFY is not signed/);
  assert.match(String(s.acceptNotify(SIGNED, signMessage(notify, WRONG, { now: NOW }).message)), /BADSIG: MAC does not match/);
  assert.match(String(s.acceptNotify(SIGNED, signMessage(notify, OTHER, { now: NOW }).message)), /BADKEY/);
  assert.match(String(s.acceptNotify(SIGNED, signMessage(notify, KEY, { now: NOW - 3600 }).message)), /BADTIME/);
  assert.deepEqual(failures.map((f) => [f.what, f.error]), [['notify', 'UNSIGNED'], ['notify', 'BADSIG'], ['notify', 'BADKEY'], ['notify', 'BADTIME']]);
  assert.equal(s.acceptNotify(PLAIN, notify), true);

  // The answer is signed with the key, bound to the NOTIFY's MAC.
  const answer = encodeMessage(message({ id: 31, flags: { qr: true, opcode: Opcode.NOTIFY, aa: true }, questions: [{ name: ORIGIN, type: RRType.SOA, class: 1 }] }));
  const signedAnswer = s.signNotifyAnswer(SIGNED, good.message, answer);
  assert.ok(verifyMessage(signedAnswer, new TsigKeyring([KEY]).find, { now: NOW, requestMac: good.mac })?.ok);
  assert.equal(s.signNotifyAnswer(PLAIN, notify, answer), answer);

  // answerNotify refuses with the reason.
  const zone = { origin: ORIGIN, primaries: [SIGNED] };
  const m = { ...message({ id: 31, flags: { opcode: Opcode.NOTIFY }, questions: [{ name: ORIGIN, type: RRType.SOA, class: 1 }] }) };
  const refused = answerNotify(m, '192.0.2.1', () => zone, (p) => s.acceptNotify(p, notify))!;
  assert.equal(refused.response.rcode, Rcode.REFUSED);
  assert.ok(refused.verdict.kind === 'refused' && /not signed/.test(refused.verdict.reason));
  assert.equal(answerNotify(m, '192.0.2.1', () => zone, (p) => s.acceptNotify(p, good.message))!.verdict.kind, 'accepted');
});

test('the clock is injected: a primary whose clock is 10 minutes off fails BADTIME, and keys given as a function are read at use', () => {
  let keys: TsigKey[] = [];
  let now = NOW;
  const s = new TsigXfrSecurity({ keys: () => keys, now: () => now });
  const request = encodeMessage({ ...soaQuery(ORIGIN), id: 1 });
  assert.throws(() => s.signRequest(SIGNED, request), /not in dns\.keys/);
  keys = [KEY];
  const signed = s.signRequest(SIGNED, request);
  const answer = signMessage(response(1, RRType.SOA, [soa(1)]), KEY, { now: NOW - 600, requestMac: tsigMacOf(signed)! }).message;
  assert.throws(() => s.responseVerifier(SIGNED, signed).message(answer), rejects('BADTIME', /outside the fudge/));
  now = NOW - 590;
  s.responseVerifier(SIGNED, signed).message(answer);
});
