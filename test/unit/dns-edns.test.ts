// EDNS option helpers (src/wire/dns/edns.ts): NSID (RFC 5001), EXPIRE (RFC 7314),
// COOKIE (RFC 7873) and unknown options kept raw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EdnsOption, WireDecodeError, cookieOption, decodeMessage, ednsOption, encodeMessage, expireOption, hasEdnsOption, nsidOption, readCookie,
  readExpire, readNsid, type Edns,
} from '../../src/wire/dns/index.js';
import { hex, message } from '../support/dns-fixture.js';

const edns = (...options: Edns['options']): Edns => ({ udpSize: 1232, version: 0, do: false, z: 0, options });

test('COOKIE: a client cookie alone, or with a server cookie of 8 to 32 bytes', () => {
  const client = hex('0102030405060708');
  assert.deepEqual(readCookie(edns(cookieOption({ client }))), { client });
  for (const n of [8, 16, 32]) {
    const server = Buffer.alloc(n, 0xab);
    const opt = cookieOption({ client, server });
    assert.equal(opt.code, EdnsOption.COOKIE);
    assert.equal(opt.data.length, 8 + n);
    assert.deepEqual(readCookie(edns(opt)), { client, server });
    assert.deepEqual(readCookie(decodeMessage(encodeMessage(message({ edns: edns(opt) }))).edns), { client, server });
  }
  assert.equal(readCookie(edns()), undefined);
  assert.equal(readCookie(undefined), undefined);
  for (const bad of [0, 7, 9, 15, 41]) {
    assert.throws(() => readCookie(edns({ code: EdnsOption.COOKIE, data: Buffer.alloc(bad) })), (e: unknown) => e instanceof WireDecodeError && e.reason === 'bad-cookie', `${bad} bytes`);
  }
  assert.throws(() => cookieOption({ client: Buffer.alloc(7) }), /bad-value: COOKIE: the client cookie is 8 bytes/);
  assert.throws(() => cookieOption({ client, server: Buffer.alloc(7) }), /server cookie is 8 to 32 bytes/);
  assert.throws(() => cookieOption({ client, server: Buffer.alloc(33) }), /server cookie is 8 to 32 bytes/);
});

test('EXPIRE: empty in a query, 4 bytes in a response', () => {
  const q = edns(expireOption());
  assert.ok(hasEdnsOption(q, EdnsOption.EXPIRE));
  assert.equal(readExpire(q), undefined);
  const r = edns(expireOption(1209600));
  assert.equal(readExpire(r), 1209600);
  assert.deepEqual(expireOption(1209600).data, hex('00127500'));
  assert.equal(readExpire(edns()), undefined);
  assert.throws(() => readExpire(edns({ code: EdnsOption.EXPIRE, data: Buffer.alloc(3) })), (e: unknown) => e instanceof WireDecodeError && e.reason === 'bad-edns-option');
  assert.throws(() => expireOption(-1), /bad-value: EXPIRE/);
  assert.throws(() => expireOption(2 ** 32), /bad-value: EXPIRE/);
});

test('NSID: empty asks, bytes answer', () => {
  assert.deepEqual(nsidOption(), { code: EdnsOption.NSID, data: Buffer.alloc(0) });
  const id = Buffer.from('outpost-site-a');
  assert.deepEqual(readNsid(edns(nsidOption(id))), id);
  assert.equal(readNsid(edns()), undefined);
});

test('unknown options are kept raw, in order, duplicates included; ednsOption finds the first', () => {
  const opts = [{ code: EdnsOption.CLIENT_SUBNET, data: hex('0001 18 00 c00002') }, { code: 65000, data: hex('01') }, { code: EdnsOption.PADDING, data: Buffer.alloc(12) }, { code: 65000, data: hex('02') }];
  const m = message({ edns: edns(...opts) });
  assert.deepEqual(decodeMessage(encodeMessage(m)).edns, edns(...opts));
  assert.deepEqual(ednsOption(m.edns, 65000), hex('01'));
  assert.equal(ednsOption(undefined, 65000), undefined);
});
