// The upload store (src/storage/upload-store.ts) on a real directory: only configured
// directories, the size limit (nothing left behind), the previous version kept, reads.
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UploadStore } from '../../src/storage/upload-store.js';


const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
test('uploads: stored atomically under their directory, the previous version kept, the limit and the directories enforced', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-uploads-'));
  try {
    const store = new UploadStore(dir, ['backup/']);
    assert.deepEqual(await store.write('firmware/x', [Buffer.from('x')], 100), { ok: false, reason: 'not-allowed' });
    assert.deepEqual(await store.write('backup/', [Buffer.from('x')], 100), { ok: false, reason: 'not-allowed' });
    assert.deepEqual(await store.write('backup/SEP0011.cfg', [Buffer.from('one')], 100), { ok: true, bytes: 3, sha256: sha256('one'), replaced: false });
    assert.deepEqual(await store.write('backup/SEP0011.cfg', (async function* () { yield Buffer.from('tw'); yield Buffer.from('o!'); })(), 100), { ok: true, bytes: 4, sha256: sha256('two!'), replaced: true });
    assert.equal(readFileSync(join(store.dir, 'backup', 'SEP0011.cfg'), 'utf8'), 'two!');
    assert.equal(readFileSync(join(store.dir, 'backup', 'SEP0011.cfg.prev'), 'utf8'), 'one');
    assert.deepEqual(await store.write('backup/SEP0011.cfg', [Buffer.alloc(60), Buffer.alloc(60)], 100), { ok: false, reason: 'too-large' });
    assert.equal(readFileSync(join(store.dir, 'backup', 'SEP0011.cfg'), 'utf8'), 'two!', 'a refused upload leaves the stored one');
    assert.deepEqual(readdirSync(join(store.dir, 'backup')).sort(), ['SEP0011.cfg', 'SEP0011.cfg.prev'], 'no temporary file left');
    const opened = await store.open('backup/SEP0011.cfg');
    assert.ok(opened.ok);
    assert.equal((await opened.handle.readFile()).toString(), 'two!');
    await opened.handle.close();
    assert.deepEqual(await store.open('backup/SEP0011.cfg.prev'), { ok: false, reason: 'not-found' }, 'the previous version is not served');
    assert.deepEqual(await store.open('backup/none.cfg'), { ok: false, reason: 'not-found' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
