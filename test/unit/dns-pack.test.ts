// RecordPacker (src/wire/dns/pack.ts): records from an iterator into messages of at
// most `limit` bytes, each as full as the next record allows, compressed, with the
// questions and the OPT record the head gives, room kept for a TSIG record; a record
// that fits no message is an error, not a loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordPacker, WireEncodeError, decodeMessage, encodeMessage, type PackHead, type ResourceRecord } from '../../src/wire/dns/index.js';
import { NO_FLAGS, rr } from '../support/dns-fixture.js';

const head: PackHead = { id: 7, flags: { ...NO_FLAGS, qr: true, aa: true }, rcode: 0, questions: [{ name: 'example.com.', type: 252, class: 1 }] };
const records = (n: number): ResourceRecord[] => Array.from({ length: n }, (_, i) => rr(`host-${i}.example.com.`, 16, { strings: [Buffer.alloc(100, 0x61)] }));

function packAll(list: readonly ResourceRecord[], limit: number, h: PackHead = head, reserve = 0): Buffer[] {
  const packer = new RecordPacker(list[Symbol.iterator]());
  const buf = Buffer.alloc(65535);
  const out: Buffer[] = [];
  for (let first = true; first || !packer.done; first = false) {
    const len = packer.packInto(first ? h : { ...h, questions: [] }, buf, 0, limit, { reserve });
    out.push(Buffer.from(buf.subarray(0, len)));
  }
  return out;
}

test('records split over messages within the limit, every one once, in order', () => {
  const list = records(300);
  for (const limit of [512, 1232, 4096, 65535]) {
    const msgs = packAll(list, limit);
    const back = msgs.map((b) => decodeMessage(b));
    assert.ok(msgs.every((b) => b.length <= limit), `limit ${limit}`);
    assert.deepEqual(back.flatMap((m) => m.answers.map((a) => a.name)), list.map((r) => r.name));
    assert.deepEqual(back.map((m) => m.questions.length), back.map((_, i) => (i === 0 ? 1 : 0)));
    // Full: the first record of each next message did not fit in the one before.
    for (let i = 0; i + 1 < back.length; i++) {
      const next = back[i + 1]!.answers[0]!;
      const grown = encodeMessage({ ...back[i]!, answers: [...back[i]!.answers, next] });
      assert.ok(grown.length > limit, `message ${i} of limit ${limit} had room for one more`);
    }
  }
  assert.equal(packAll(list, 65535).length, 1);
});

test('an empty stream gives one message with the head only; OPT and reserve are kept room for', () => {
  const [only] = packAll([], 512);
  const m = decodeMessage(only!);
  assert.deepEqual([m.answers.length, m.questions.length, m.id, m.flags.aa], [0, 1, 7, true]);
  const withOpt: PackHead = { ...head, edns: { udpSize: 1232, version: 0, do: false, z: 0, options: [] } };
  const msgs = packAll(records(50), 1232, withOpt, 100);
  assert.ok(msgs.every((b) => b.length <= 1132));
  assert.ok(msgs.map((b) => decodeMessage(b)).every((x) => x.edns?.udpSize === 1232));
});

test('a record larger than a message is too-large', () => {
  const huge = rr('big.example.com.', 16, { strings: Array.from({ length: 10 }, () => Buffer.alloc(255, 0x62)) });
  assert.throws(() => packAll([huge], 1232), (e: unknown) => e instanceof WireEncodeError && e.reason === 'too-large');
});
