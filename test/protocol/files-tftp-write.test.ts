// A TFTP write transfer (src/protocol/files/tftp-write.ts) under fake time: ACK 0 or the
// OACK, blocks acknowledged one by one, the final block acknowledged only once stored,
// the dally that acknowledges it again, blocks received again or ahead, the size limit,
// store errors, timeouts, the wrong TID, the client's ERROR and illegal packets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLIENT, STRANGER, randomFile, writeRig } from '../support/tftp-rig.js';

const moves = (r: { transitions: { from: string; to: string; event: string }[] }) => r.transitions.map((t) => `${t.from}>${t.to}:${t.event}`);

test('ACK 0, then each block acknowledged; the final block stored, then acknowledged; the dally ends it', async () => {
  const file = randomFile(1100);
  const r = await writeRig();
  assert.deepEqual(r.acks(), [0]);
  await r.send({ op: 'data', block: 1, data: file.subarray(0, 512) });
  await r.send({ op: 'data', block: 2, data: file.subarray(512, 1024) });
  assert.deepEqual(r.acks(), [0, 1, 2]);
  await r.send({ op: 'data', block: 3, data: file.subarray(1024) });
  assert.deepEqual(r.stored, [file]);
  assert.deepEqual(r.acks(), [0, 1, 2, 3]);
  assert.equal(r.t.state, 'dallying');
  // The client did not hear the final ACK and sends block 3 again: acknowledged again.
  await r.send({ op: 'data', block: 3, data: file.subarray(1024) });
  assert.deepEqual(r.acks(), [0, 1, 2, 3, 3]);
  assert.equal(r.stored.length, 1, 'stored once');
  await r.advance(1000);
  assert.equal(r.end?.state, 'completed');
  assert.equal(r.end?.stats.bytes, 1100);
  assert.deepEqual(moves(r), [
    'new>receiving:started', 'receiving>receiving:data', 'receiving>receiving:data', 'receiving>storing:final-data',
    'storing>dallying:stored', 'dallying>dallying:duplicate-data', 'dallying>completed:timeout',
  ]);
  assert.equal(r.clock.pendingTimers(), 0);
});

test('with options: the OACK first, block 1 acknowledges it; an empty final block after a full one', async () => {
  const r = await writeRig({ blksize: 8, options: [{ name: 'blksize', value: '8' }] });
  assert.deepEqual(r.sent.map((s) => s.p), [{ op: 'oack', options: [{ name: 'blksize', value: '8' }] }]);
  await r.advance(1000);
  assert.equal(r.sent.filter((s) => s.p.op === 'oack').length, 2, 'the OACK again on timeout');
  await r.send({ op: 'data', block: 1, data: Buffer.from('12345678') });
  await r.send({ op: 'data', block: 2, data: Buffer.alloc(0) });
  assert.deepEqual(r.stored, [Buffer.from('12345678')]);
  assert.deepEqual(r.acks(), [1, 2]);
});

test('a block received again is acknowledged again; one ahead of the next expected is ignored', async () => {
  const r = await writeRig();
  await r.send({ op: 'data', block: 1, data: Buffer.alloc(512, 1) });
  await r.send({ op: 'data', block: 1, data: Buffer.alloc(512, 1) });
  await r.send({ op: 'data', block: 3, data: Buffer.alloc(512, 3) });
  assert.deepEqual(r.acks(), [0, 1, 1]);
  await r.send({ op: 'data', block: 2, data: Buffer.alloc(10, 2) });
  assert.deepEqual(r.stored, [Buffer.concat([Buffer.alloc(512, 1), Buffer.alloc(10, 2)])]);
  assert.equal(r.t.stats.duplicates, 1);
});

test('more than maxBytes: ERROR 3 and nothing stored', async () => {
  const r = await writeRig({ maxBytes: 1000 });
  await r.send({ op: 'data', block: 1, data: Buffer.alloc(512) });
  await r.send({ op: 'data', block: 2, data: Buffer.alloc(512) });
  assert.equal(r.end?.state, 'failed');
  assert.deepEqual(r.sent.at(-1)?.p, { op: 'error', code: 3, message: 'file larger than the 1000 bytes allowed' });
  assert.deepEqual(r.stored, []);
});

test('a store that fails: its ERROR, no final ACK; a block larger than blksize: ERROR 4', async () => {
  const r = await writeRig({ store: async () => ({ ok: false, code: 3, message: 'disk full' }) });
  await r.send({ op: 'data', block: 1, data: Buffer.from('x') });
  assert.equal(r.end?.state, 'failed');
  assert.deepEqual(r.acks(), [0]);
  assert.deepEqual(r.sent.at(-1)?.p, { op: 'error', code: 3, message: 'disk full' });
  const thrown = await writeRig({ store: async () => { throw new Error('EIO'); } });
  await thrown.send({ op: 'data', block: 1, data: Buffer.from('x') });
  assert.equal(thrown.end?.state, 'failed');
  assert.equal((thrown.sent.at(-1)?.p as { code: number }).code, 0);
  const big = await writeRig({ blksize: 8 });
  await big.send({ op: 'data', block: 1, data: Buffer.alloc(9) });
  assert.equal(big.end?.state, 'failed');
  assert.equal((big.sent.at(-1)?.p as { code: number }).code, 4);
});

test('the final block is acknowledged only once the store is done, even when it comes again meanwhile', async () => {
  let finish!: () => void;
  const r = await writeRig({ store: () => new Promise((resolve) => { finish = () => resolve({ ok: true }); }) });
  await r.send({ op: 'data', block: 1, data: Buffer.from('abc') });
  await r.send({ op: 'data', block: 1, data: Buffer.from('abc') });
  assert.deepEqual(r.acks(), [0]);
  assert.equal(r.t.state, 'storing');
  finish();
  await r.advance(0);
  assert.deepEqual(r.acks(), [0, 1]);
});

test('no block: the last ACK again on each timeout, then given up', async () => {
  const r = await writeRig({ retries: 2 });
  await r.send({ op: 'data', block: 1, data: Buffer.alloc(512) });
  await r.advance(1000);
  await r.advance(1000);
  assert.deepEqual(r.acks(), [0, 1, 1, 1]);
  await r.advance(1000);
  assert.equal(r.end?.state, 'timed-out');
  assert.deepEqual(r.stored, []);
});

test('wrong TID: ERROR 5 to it; the client\'s ERROR aborts; an ACK during a write is illegal', async () => {
  const r = await writeRig();
  await r.send({ op: 'data', block: 1, data: Buffer.from('x') }, STRANGER);
  assert.deepEqual(r.sent.at(-1), { p: { op: 'error', code: 5, message: 'Unknown transfer ID' }, to: STRANGER, at: r.clock.now() });
  assert.equal(r.t.state, 'receiving');
  assert.deepEqual(r.stored, []);
  await r.send({ op: 'error', code: 0, message: 'cancelled' });
  assert.equal(r.end?.state, 'aborted');
  const ack = await writeRig();
  await ack.send({ op: 'ack', block: 0 });
  assert.equal(ack.end?.state, 'failed');
  assert.ok(ack.sent.every((s) => s.to === CLIENT));
});

test('stop: ERROR 0 while receiving; during the dally it simply completes', async () => {
  const r = await writeRig();
  r.t.stop();
  assert.equal(r.end?.state, 'stopped');
  assert.equal((r.sent.at(-1)?.p as { code: number }).code, 0);
  const d = await writeRig();
  await d.send({ op: 'data', block: 1, data: Buffer.from('x') });
  const sent = d.sent.length;
  d.t.stop();
  assert.equal(d.end?.state, 'completed');
  assert.equal(d.sent.length, sent);
});
