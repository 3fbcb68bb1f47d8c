// The hot path's look at a query (src/wire/dns/query-peek.ts): which queries are
// plain, their cache keys, and how a cached answer is patched for another client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { patchAnswer, peekQuery } from '../../src/wire/dns/query-peek.js';

function name(text: string): Buffer {
  const parts = text.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.of(l.length), Buffer.from(l, 'latin1')]));
  return Buffer.concat([...parts, Buffer.of(0)]);
}

function query(o: { id?: number; flags?: number; qname?: string; qtype?: number; counts?: [number, number, number, number]; tail?: Buffer } = {}): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(o.id ?? 0x1234, 0);
  header.writeUInt16BE(o.flags ?? 0x0100, 2);
  const [qd, an, ns, ar] = o.counts ?? [1, 0, 0, o.tail ? 1 : 0];
  header.writeUInt16BE(qd, 4);
  header.writeUInt16BE(an, 6);
  header.writeUInt16BE(ns, 8);
  header.writeUInt16BE(ar, 10);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(o.qtype ?? 1, 0);
  q.writeUInt16BE(1, 2);
  return Buffer.concat([header, name(o.qname ?? 'www.example.com'), q, o.tail ?? Buffer.alloc(0)]);
}

/** An OPT record: root owner, type 41, UDP size, extended rcode, version, flags, options. */
function opt(udpSize: number, o: { version?: number; flags?: number; options?: Buffer } = {}): Buffer {
  const b = Buffer.alloc(11);
  b.writeUInt16BE(41, 1);
  b.writeUInt16BE(udpSize, 3);
  b[6] = o.version ?? 0;
  b.writeUInt16BE(o.flags ?? 0, 7);
  b.writeUInt16BE(o.options?.length ?? 0, 9);
  return Buffer.concat([b, o.options ?? Buffer.alloc(0)]);
}

test('a plain query: id, flags, where the question ends, and a key of name, type, class and EDNS state', () => {
  const q = query();
  const p = peekQuery(q)!;
  assert.deepEqual([p.id, p.flags, p.questionEnd, p.qtype, p.udpSize, p.dnssecOk], [0x1234, 0x0100, q.length, 1, undefined, false]);
  const withEdns = peekQuery(query({ tail: opt(1232) }))!;
  const withDo = peekQuery(query({ tail: opt(1232, { flags: 0x8000 }) }))!;
  assert.deepEqual([withEdns.udpSize, withDo.dnssecOk], [1232, true]);
  assert.equal(new Set([p.key, withEdns.key, withDo.key, peekQuery(query({ tail: opt(4096) }))!.key, peekQuery(query({ qtype: 28 }))!.key]).size, 5);
});

test('keys ignore the case of the name and tell a dot inside a label from two labels', () => {
  assert.equal(peekQuery(query({ qname: 'WWW.Example.COM' }))!.key, peekQuery(query())!.key);
  const dotted = Buffer.concat([Buffer.alloc(12), Buffer.from([3, 0x61, 0x2e, 0x62, 0]), Buffer.from([0, 1, 0, 1])]);
  dotted.writeUInt16BE(1, 4);
  const two = query({ qname: 'a.b' });
  assert.notEqual(peekQuery(dotted)!.key, peekQuery(two)!.key);
});

test('anything but a plain query takes the full decoder', () => {
  const cases: [string, Buffer][] = [
    ['a response (QR)', query({ flags: 0x8000 })],
    ['opcode UPDATE', query({ flags: 0x2800 })],
    ['opcode NOTIFY', query({ flags: 0x2000 })],
    ['two questions', query({ counts: [2, 0, 0, 0] })],
    ['an answer record', query({ counts: [1, 1, 0, 0] })],
    ['an authority record', query({ counts: [1, 0, 1, 0] })],
    ['two additional records', query({ counts: [1, 0, 0, 2], tail: opt(1232) })],
    ['an OPT with an option (cookie)', query({ tail: opt(1232, { options: Buffer.from('000a0008' + '01'.repeat(8), 'hex') }) })],
    ['EDNS version 1', query({ tail: opt(1232, { version: 1 }) })],
    ['EDNS flags besides DO', query({ tail: opt(1232, { flags: 0x4000 }) })],
    ['an additional that is not OPT', query({ tail: Buffer.from('0000100001000000000000', 'hex') })],
    ['bytes after the question', Buffer.concat([query(), Buffer.of(0)])],
    ['a compression pointer in the name', Buffer.concat([query().subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])])],
    ['a label over 63 bytes', query({ qname: 'x'.repeat(64) })],
    ['a name cut short', query().subarray(0, 20)],
    ['no room for type and class', query().subarray(0, query().length - 2)],
    ['a header only', Buffer.alloc(12)],
  ];
  for (const [what, q] of cases) assert.equal(peekQuery(q), undefined, what);
});

test('a cached answer takes the new query\'s id, RD and CD bits and spelling of the name, nothing else', () => {
  const first = query({ id: 1, flags: 0x0100 });
  const template = Buffer.concat([first, Buffer.from('c00c000100010000012c0004c0000250', 'hex')]);
  template.writeUInt16BE(0x8500, 2); // QR AA RD
  const second = query({ id: 0xbeef, flags: 0x0010, qname: 'WwW.ExAmPlE.cOm' }); // CD, no RD
  const p = peekQuery(second)!;
  const out = Buffer.alloc(600, 0xff);
  const n = patchAnswer(template, second, p, out);
  assert.equal(n, template.length);
  assert.equal(out.readUInt16BE(0), 0xbeef);
  assert.equal(out.readUInt16BE(2), 0x8410);
  assert.deepEqual(out.subarray(12, p.questionEnd), second.subarray(12, p.questionEnd));
  assert.deepEqual(out.subarray(p.questionEnd, n), template.subarray(p.questionEnd));
});
