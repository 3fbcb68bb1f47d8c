// The sync plan (src/protocol/files/sync-plan.ts): what to fetch (by hash, once), what
// to reuse, resumed downloads, parts to drop, the set id, and manifests refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_SHA256, planSync, setId, versionOfSetId, type HeldContent, type Manifest, type SyncPlan } from '../../src/protocol/files/sync-plan.js';

const h = (c: string) => c.repeat(64);
const [A, B, C, D] = [h('a'), h('b'), h('c'), h('d')];
const NOTHING: HeldContent = { objects: new Set(), partials: new Map() };

const manifest: Manifest = {
  version: '2026-12-01.3',
  files: [
    { path: 'firmware/88xx.loads', size: 1000, sha256: A },
    { path: 'SEP001.cnf.xml', size: 10, sha256: B },
    { path: 'SEP002.cnf.xml', size: 10, sha256: B },
    { path: 'ring/a.raw', size: 50, sha256: C },
  ],
};

function plan(m: Manifest, held: HeldContent): SyncPlan {
  const r = planSync(m, held);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  return r.plan;
}

test('nothing held: every content fetched once, from the first of its paths, the set sorted by path', () => {
  const p = plan(manifest, NOTHING);
  assert.deepEqual(p.files.map((f) => f.path), ['SEP001.cnf.xml', 'SEP002.cnf.xml', 'firmware/88xx.loads', 'ring/a.raw']);
  assert.deepEqual(p.toFetch.map((f) => [f.sha256, f.paths, f.resumeFrom]), [
    [B, ['SEP001.cnf.xml', 'SEP002.cnf.xml'], 0],
    [A, ['firmware/88xx.loads'], 0],
    [C, ['ring/a.raw'], 0],
  ]);
  assert.deepEqual(p.reuse, []);
  assert.equal(p.bytesToFetch, 1060);
  assert.equal(p.bytesTotal, 1060);
  assert.equal(p.upToDate, false);
  assert.equal(p.setId, setId(manifest));
});

test('held objects are reused (from the current set or from earlier downloads); parts resume, or are dropped when too long or unwanted', () => {
  const held: HeldContent = {
    current: { id: 'old~0123456789abcdef', files: new Map([['SEP001.cnf.xml', B], ['old.cfg', D]]) },
    objects: new Set([B, D, C]),
    partials: new Map([[A, 400], [D, 5], [h('e'), 1]]),
  };
  const p = plan(manifest, held);
  assert.deepEqual(p.toFetch.map((f) => [f.sha256, f.resumeFrom]), [[A, 400]]);
  assert.deepEqual(p.reuse.map((r) => [r.sha256, r.from]), [[B, 'current'], [C, 'held']]);
  assert.deepEqual(p.discard, [D, h('e')].sort(), 'parts of content not in the manifest (or already held) are dropped');
  assert.equal(p.bytesToFetch, 600);

  const tooLong = plan(manifest, { objects: new Set(), partials: new Map([[A, 1001], [C, 50]]) });
  assert.deepEqual(tooLong.toFetch.map((f) => [f.sha256, f.resumeFrom]), [[B, 0], [A, 0], [C, 50]], 'a whole part: only verification is left');
  assert.deepEqual(tooLong.discard, [A]);
  assert.equal(tooLong.bytesToFetch, 1010);
});

test('the set served already: up to date; the set id follows the files, not only the version', () => {
  const p = plan(manifest, { current: { id: setId(manifest), files: new Map() }, objects: new Set([A, B, C]), partials: new Map() });
  assert.equal(p.upToDate, true);
  assert.deepEqual(p.toFetch, []);
  const reordered = { ...manifest, files: [...manifest.files].reverse() };
  assert.equal(setId(reordered), setId(manifest), 'order does not matter');
  const changed = { ...manifest, files: manifest.files.map((f, i) => (i === 3 ? { ...f, sha256: D } : f)) };
  assert.notEqual(setId(changed), setId(manifest), 'same version, other content: another set');
  assert.match(setId(manifest), /^2026-12-01\.3~[0-9a-f]{16}$/);
  assert.equal(versionOfSetId(setId(manifest)), '2026-12-01.3');
  assert.equal(versionOfSetId(setId({ version: '..', files: [] })), '..');
});

test('an empty manifest is a set of nothing; an empty file needs the empty hash', () => {
  const p = plan({ version: 'v0', files: [] }, NOTHING);
  assert.deepEqual([p.files, p.toFetch, p.bytesTotal], [[], [], 0]);
  const empty = plan({ version: 'v1', files: [{ path: 'blank.txt', size: 0, sha256: EMPTY_SHA256 }] }, NOTHING);
  assert.equal(empty.toFetch.length, 1);
});

test('a manifest that cannot be built is refused with the reason', () => {
  const refused = (files: Manifest['files']) => {
    const r = planSync({ version: 'v', files }, NOTHING);
    return r.ok ? 'accepted' : r.reason;
  };
  const f = (path: string, size = 1, sha256 = A) => ({ path, size, sha256 });
  assert.equal(refused([f('a'), f('a', 1, B)]), 'a is listed twice');
  assert.equal(refused([f('x', 1), f('y', 2)]), 'x and y have the same sha256 but sizes 1 and 2');
  assert.equal(refused([f('fw'), f('fw/a.bin', 1, B)]), 'fw is a file and also the directory of fw/a.bin');
  assert.equal(refused([f('e', 0, A)]), 'e has size 0 but its sha256 is not that of empty content');
  assert.equal(refused([f('a', -1)]), 'a: size -1 is not a byte count');
  assert.equal(refused([f('a', 1, 'A'.repeat(64))]), 'a: sha256 is not 64 lower-case hex digits');
  for (const [path, reason] of [
    ['../etc/passwd', 'dot-segment'], ['a/./b', 'dot-segment'], ['a//b', 'empty-segment'], ['/abs', undefined], ['dir/', undefined],
    ['a\u0001b', 'control-character'], ['x'.repeat(256), 'too-long'], ['a\\b', undefined],
  ] as const) {
    assert.match(refused([f(path)]), /is not a plain path in the tree/, path);
    if (reason) assert.match(refused([f(path)]), new RegExp(`\\(${reason}\\)`), path);
  }
});
