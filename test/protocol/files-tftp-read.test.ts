// A TFTP read transfer (src/protocol/files/tftp-read.ts) under fake time: the start
// with and without an OACK, block sizes from 8 to 65464, the final short (or empty)
// block, windows, ACKs that slide the window, duplicate, reordered and unexpected ACKs
// (never a send: no sorcerer's apprentice), timeouts that send again from the first
// block not acknowledged and give up after the retries, the wrong TID, the client's
// ERROR, illegal and malformed packets, read errors, stop, block numbers rolling over,
// netascii, and whole files through a lossy network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromNetascii, octetBlocks } from '../../src/protocol/files/tftp-blocks.js';
import { CLIENT, STRANGER, fetchThroughLoss, randomFile, readRig } from '../support/tftp-rig.js';

const OPTIONS = [{ name: 'blksize', value: '512' }];
const moves = (r: { transitions: { from: string; to: string; event: string }[] }) => r.transitions.map((t) => `${t.from}>${t.to}:${t.event}`);

test('no option granted: DATA 1 at once, one block per ACK, the final block short', async () => {
  const r = await readRig({ size: 1300 });
  assert.deepEqual(r.data(), ['1:512']);
  assert.equal(r.t.state, 'sending');
  await r.send({ op: 'ack', block: 1 });
  assert.deepEqual(r.data(), ['1:512', '2:512']);
  await r.send({ op: 'ack', block: 2 });
  assert.deepEqual(r.data(), ['1:512', '2:512', '3:276']);
  await r.send({ op: 'ack', block: 3 });
  assert.equal(r.end?.state, 'completed');
  assert.equal(r.end?.stats.bytes, 1300);
  assert.deepEqual(Buffer.concat(r.sent.map((s) => (s.p as { data: Buffer }).data)), r.content);
  assert.deepEqual(moves(r), ['new>sending:started', 'sending>sending:acked', 'sending>sending:acked', 'sending>completed:final-acked']);
  assert.equal(r.clock.pendingTimers(), 0);
  assert.ok(r.sent.every((s) => s.to === CLIENT));
});

test('options granted: the OACK, then DATA 1 only after ACK 0; another ACK while negotiating is ignored', async () => {
  const r = await readRig({ size: 100, options: [{ name: 'tsize', value: '100' }] });
  assert.deepEqual(r.sent.map((s) => s.p), [{ op: 'oack', options: [{ name: 'tsize', value: '100' }] }]);
  await r.send({ op: 'ack', block: 1 });
  assert.deepEqual(r.data(), []);
  assert.equal(r.t.state, 'negotiating');
  await r.send({ op: 'ack', block: 0 });
  assert.deepEqual(r.data(), ['1:100']);
  await r.send({ op: 'ack', block: 0 });
  assert.deepEqual(r.data(), ['1:100'], 'ACK 0 again is a duplicate');
  await r.send({ op: 'ack', block: 1 });
  assert.equal(r.end?.state, 'completed');
  assert.deepEqual(moves(r), ['new>negotiating:options-sent', 'negotiating>negotiating:unexpected-ack', 'negotiating>sending:oack-acked', 'sending>sending:duplicate-ack', 'sending>completed:final-acked']);
});

test('the OACK is sent again on timeout; ERROR 8 from the client ends the transfer with nothing more sent', async () => {
  const r = await readRig({ size: 100, options: OPTIONS });
  await r.advance(1000);
  assert.equal(r.sent.filter((s) => s.p.op === 'oack').length, 2);
  await r.send({ op: 'error', code: 8, message: 'blksize refused' });
  assert.equal(r.end?.state, 'aborted');
  assert.deepEqual(r.end?.clientError, { code: 8, message: 'blksize refused' });
  await r.advance(60_000);
  assert.equal(r.sent.length, 2);
  assert.equal(r.clock.pendingTimers(), 0);
});

test('a size that is a multiple of blksize ends with an empty block; an empty file is one empty block', async () => {
  const r = await readRig({ size: 1024 });
  for (const b of [1, 2, 3]) await r.send({ op: 'ack', block: b });
  assert.deepEqual(r.data(), ['1:512', '2:512', '3:0']);
  assert.equal(r.end?.state, 'completed');
  assert.equal(r.end?.stats.bytes, 1024);
  const empty = await readRig({ size: 0 });
  assert.deepEqual(empty.data(), ['1:0']);
  await empty.send({ op: 'ack', block: 1 });
  assert.equal(empty.end?.state, 'completed');
});

test('block sizes 8 and 65464', async () => {
  for (const [blksize, size, blocks] of [[8, 20, ['1:8', '2:8', '3:4']], [65464, 65464 * 2 + 1, ['1:65464', '2:65464', '3:1']]] as const) {
    const r = await readRig({ size, blksize });
    for (let b = 1; b <= 3; b++) await r.send({ op: 'ack', block: b });
    assert.deepEqual(r.data(), blocks, `blksize ${blksize}`);
    assert.equal(r.end?.state, 'completed');
    assert.deepEqual(Buffer.concat(r.sent.map((s) => (s.p as { data: Buffer }).data)), r.content);
  }
});

test('windowsize 4: a window at a time; its last ACK slides it; a gap ACK starts the window after it; the final window is short', async () => {
  const r = await readRig({ size: 512 * 10 + 5, windowsize: 4 });
  assert.deepEqual(r.data(), ['1:512', '2:512', '3:512', '4:512']);
  await r.send({ op: 'ack', block: 4 });
  assert.deepEqual(r.data().slice(4), ['5:512', '6:512', '7:512', '8:512']);
  // The client lost block 7: it ACKs 6, the last in order; the window starts at 7 again.
  await r.send({ op: 'ack', block: 6 });
  assert.deepEqual(r.data().slice(8), ['7:512', '8:512', '9:512', '10:512']);
  assert.equal(r.t.state, 'sending');
  await r.send({ op: 'ack', block: 10 });
  assert.deepEqual(r.data().slice(12), ['11:5']);
  await r.send({ op: 'ack', block: 11 });
  assert.equal(r.end?.state, 'completed');
  assert.equal(r.end?.stats.retransmits, 2, 'blocks 7 and 8 went twice');
});

test('duplicate, reordered and unexpected ACKs never make anything be sent (no sorcerer\'s apprentice)', async () => {
  const r = await readRig({ size: 512 * 12, windowsize: 4 });
  await r.send({ op: 'ack', block: 4 });
  assert.equal(r.data().length, 8);
  // A late ACK of the first window, then ACK 8, then an older ACK of the second window arriving late.
  await r.send({ op: 'ack', block: 4 });
  await r.send({ op: 'ack', block: 2 });
  assert.equal(r.data().length, 8, 'duplicates send nothing');
  await r.send({ op: 'ack', block: 8 });
  assert.equal(r.data().length, 12);
  await r.send({ op: 'ack', block: 6 });
  await r.send({ op: 'ack', block: 7 });
  await r.send({ op: 'ack', block: 8 });
  assert.equal(r.data().length, 12, 'reordered ACKs of a window already slid send nothing');
  await r.send({ op: 'ack', block: 1000 });
  assert.equal(r.data().length, 12, 'an ACK of a block never sent sends nothing');
  assert.equal(r.t.stats.duplicates, 5);
  assert.deepEqual(moves(r).filter((m) => m.endsWith('unexpected-ack')), ['sending>sending:unexpected-ack']);
});

test('lockstep with every ACK arriving twice: each block is sent exactly once', async () => {
  const r = await readRig({ size: 512 * 30 + 1 });
  for (let b = 1; b <= 31; b++) {
    await r.send({ op: 'ack', block: b });
    await r.send({ op: 'ack', block: b });
  }
  assert.equal(r.end?.state, 'completed');
  assert.equal(r.data().length, 31);
  assert.equal(r.end?.stats.retransmits, 0);
  assert.equal(r.end?.stats.duplicates, 30, 'the second ACK of the final block comes after the end');
});

test('a timeout sends again from the first block not acknowledged; after the retries the transfer is given up', async () => {
  const r = await readRig({ size: 512 * 20, windowsize: 4, retries: 2 });
  await r.send({ op: 'ack', block: 4 });
  await r.send({ op: 'ack', block: 5 });
  // Window 6..9 now; nothing comes back.
  assert.deepEqual(r.data().slice(-4), ['6:512', '7:512', '8:512', '9:512']);
  await r.advance(999);
  const before = r.data().length;
  assert.equal(before, 12);
  await r.advance(1);
  assert.deepEqual(r.data().slice(before), ['6:512', '7:512', '8:512', '9:512', '10:512'], 'the window again from block 6, and one block past it');
  await r.advance(1000);
  assert.deepEqual(r.data().slice(before + 5), ['6:512', '7:512', '8:512', '9:512', '10:512', '11:512']);
  await r.advance(1000);
  assert.equal(r.end?.state, 'timed-out');
  assert.deepEqual(r.sent.at(-1)?.p, { op: 'error', code: 0, message: 'timed out' });
  await r.advance(10_000);
  assert.equal(r.data().length, before + 11);
  assert.equal(r.clock.pendingTimers(), 0);
  assert.deepEqual(moves(r).slice(-3), ['sending>sending:timeout', 'sending>sending:timeout', 'sending>timed-out:gave-up']);
});

test('progress resets the count of timeouts', async () => {
  const r = await readRig({ size: 512 * 10, retries: 1 });
  for (let b = 1; b <= 10; b++) {
    await r.advance(1000); // one timeout before each ACK: allowed, as progress follows
    await r.send({ op: 'ack', block: b });
  }
  await r.send({ op: 'ack', block: 11 });
  assert.equal(r.end?.state, 'completed');
  assert.equal(r.end?.stats.retransmits, 20, 'each timeout: the block again, and the next one twice (with it, then after its ACK)');
});

test('after a timeout one block past all sent goes too, so a client whose ACKs were lost hears a new one', async () => {
  // A client with blocks 1..4 whose ACK 4 was lost, and its one ACK of an old block too
  // (atftp answers old blocks with one ACK only, until a new block or its own timeout).
  const r = await readRig({ size: 512 * 20, windowsize: 4 });
  assert.deepEqual(r.data(), ['1:512', '2:512', '3:512', '4:512']);
  await r.advance(1000);
  assert.deepEqual(r.data().slice(4), ['1:512', '2:512', '3:512', '4:512', '5:512']);
  await r.advance(1000);
  assert.deepEqual(r.data().slice(9), ['1:512', '2:512', '3:512', '4:512', '5:512', '6:512'], 'one more each time');
  await r.send({ op: 'ack', block: 6 });
  assert.deepEqual(r.data().slice(15), ['7:512', '8:512', '9:512', '10:512'], 'then windows as before');
});

test('a packet from another port is answered with ERROR 5 and changes nothing; an ERROR from it is not answered', async () => {
  const r = await readRig({ size: 2000 });
  await r.send({ op: 'ack', block: 1 }, STRANGER);
  assert.deepEqual(r.sent.at(-1), { p: { op: 'error', code: 5, message: 'Unknown transfer ID' }, to: STRANGER, at: r.clock.now() });
  await r.send({ op: 'error', code: 0, message: 'x' }, { address: '192.0.2.99', port: CLIENT.port });
  assert.equal(r.sent.length, 2, 'an ERROR is never answered');
  assert.deepEqual(r.refused, ['wrong-tid', 'wrong-tid']);
  assert.equal(r.t.state, 'sending');
  await r.send({ op: 'ack', block: 1 });
  assert.deepEqual(r.data(), ['1:512', '2:512']);
  assert.equal(r.t.stats.wrongTid, 2);
});

test('the client\'s ERROR ends the transfer; DATA during a read is an illegal operation', async () => {
  const a = await readRig({ size: 2000, windowsize: 2 });
  await a.send({ op: 'error', code: 3, message: 'disk full' });
  assert.equal(a.end?.state, 'aborted');
  assert.equal(a.clock.pendingTimers(), 0);
  const b = await readRig({ size: 2000 });
  await b.send({ op: 'data', block: 1, data: Buffer.from('x') });
  assert.equal(b.end?.state, 'failed');
  assert.deepEqual(b.sent.at(-1)?.p, { op: 'error', code: 4, message: 'a read transfer takes ACK and ERROR, not DATA' });
  await b.send({ op: 'ack', block: 1 });
  assert.equal(b.data().length, 1, 'nothing after the end');
});

test('an undecodable packet is counted and ignored; one that starts like an ERROR ends the transfer', async () => {
  const r = await readRig({ size: 2000 });
  await r.send(Buffer.from('0004000100', 'hex'));
  await r.send(Buffer.from('0009', 'hex'));
  assert.deepEqual(r.refused, ['excess-bytes', 'bad-opcode']);
  assert.equal(r.t.stats.malformed, 2);
  assert.equal(r.t.state, 'sending');
  await r.send(Buffer.from('000500016e6f', 'hex'));
  assert.equal(r.end?.state, 'aborted');
  assert.equal(r.end?.clientError?.code, 1);
});

test('a read error ends the transfer with ERROR 0; stop ends it with ERROR 0 too', async () => {
  let reads = 0;
  const failing = await readRig({
    size: 4000,
    source: { size: 4000, read: async () => { if (++reads > 1) throw new Error('EIO'); return Buffer.alloc(512); }, release() {} },
  });
  await failing.send({ op: 'ack', block: 1 });
  assert.equal(failing.end?.state, 'failed');
  assert.match(failing.end!.cause, /EIO/);
  assert.deepEqual(failing.sent.at(-1)?.p, { op: 'error', code: 0, message: 'read error' });
  const stopped = await readRig({ size: 4000 });
  stopped.t.stop();
  assert.equal(stopped.end?.state, 'stopped');
  assert.deepEqual(stopped.sent.at(-1)?.p, { op: 'error', code: 0, message: 'server shutting down' });
  assert.equal(stopped.clock.pendingTimers(), 0);
});

test('a file that shrinks while it is sent fails instead of ending early', async () => {
  const content = randomFile(2000);
  const r = await readRig({ content, source: octetBlocks({ size: 3000, read: async (position, length) => content.subarray(position, position + length) }, 512) });
  for (let b = 1; b <= 3 && !r.end; b++) await r.send({ op: 'ack', block: b });
  assert.ok(r.data().every((d) => d.endsWith(':512')), 'never a short block');
  assert.equal(r.end?.state, 'failed');
  assert.match(r.end!.cause, /short read/);
});

test('block numbers roll over from 65535 to 0', async () => {
  const blksize = 8;
  const size = blksize * 70_000 + 3;
  const r = await readRig({ size, blksize, windowsize: 64 });
  const got = await fetchThroughLoss(r, { windowsize: 64, loss: 0, seed: 1 });
  assert.ok(got.ok, r.end?.cause);
  assert.deepEqual(got.bytes, r.content);
  const blocks = r.sent.filter((s) => s.p.op === 'data').map((s) => (s.p as { block: number }).block);
  assert.equal(blocks[65534], 65535);
  assert.equal(blocks[65535], 0);
  assert.equal(blocks.at(-1), 70_001 & 0xffff);
});

test('netascii: LF goes as CR LF, CR as CR NUL, across block boundaries and again after a timeout', async () => {
  const text = Buffer.from('ab\ncd\r\nef\r\rgh\n\n\nend\r');
  // The rule, stated independently.
  const expected = Buffer.from([...text].flatMap((b) => (b === 0x0a ? [0x0d, 0x0a] : b === 0x0d ? [0x0d, 0x00] : [b])));
  const r = await readRig({ content: text, blksize: 8, netascii: true, windowsize: 2 });
  await r.advance(1000); // the first window goes again from block 1
  const datas = () => r.sent.flatMap((s) => (s.p.op === 'data' ? [s.p] : []));
  assert.deepEqual(datas().slice(2, 4), datas().slice(0, 2), 'the same bytes again');
  for (let step = 0; step < 20 && !r.end; step++) await r.send({ op: 'ack', block: datas().at(-1)!.block });
  assert.equal(r.end?.state, 'completed');
  const blocks = new Map<number, Buffer>();
  for (const d of datas()) blocks.set(d.block, d.data);
  assert.deepEqual(Buffer.concat([...blocks.values()]), expected);
  assert.equal(r.end?.stats.bytes, expected.length);
});

test('a netascii write turns back into the file: CR LF → LF, CR NUL → CR', () => {
  const file = Buffer.from('a\nb\rc\r\nd\n\re');
  const wire = Buffer.from([...file].flatMap((b) => (b === 0x0a ? [0x0d, 0x0a] : b === 0x0d ? [0x0d, 0x00] : [b])));
  assert.deepEqual(fromNetascii(wire), file);
  assert.deepEqual(fromNetascii(Buffer.from('x\ry')), Buffer.from('x\ry'), 'a CR before anything else stays');
  assert.deepEqual(fromNetascii(Buffer.from('x\r')), Buffer.from('x\r'));
});

for (const [receiver, windowsize, loss, seed] of [
  ['rfc7440', 1, 0.05, 11], ['rfc7440', 8, 0.05, 12], ['rfc7440', 64, 0.05, 13], ['rfc7440', 16, 0.2, 14],
  ['atftp', 1, 0.05, 21], ['atftp', 16, 0.05, 22], ['atftp', 64, 0.05, 23], ['atftp', 16, 0.2, 24],
] as const) {
  test(`a whole file through ${loss * 100}% loss both ways to ${receiver === 'atftp' ? 'an atftp-like' : 'an RFC 7440'} client, windowsize ${windowsize}: byte-identical`, async () => {
    const r = await readRig({ size: receiver === 'atftp' ? 2_000_000 : 300_000, blksize: 1428, windowsize, retries: loss > 0.1 ? 8 : 5, options: [{ name: 'windowsize', value: String(windowsize) }] });
    const got = await fetchThroughLoss(r, { windowsize, loss, seed, receiver });
    assert.ok(got.ok, `${r.end?.state}: ${r.end?.cause}`);
    assert.deepEqual(got.bytes, r.content);
    assert.ok(r.end!.stats.retransmits > 0);
    assert.ok(r.sent.every((x) => x.to === CLIENT));
    assert.ok(r.sent.filter((x) => x.p.op === 'error').length === 0);
  });
}
