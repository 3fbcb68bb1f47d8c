// The served tree (src/site/files-tree.ts) on a real directory: files open, a symbolic
// link inside the tree is followed, one that leads out of it (directly or through a
// linked directory) is refused, as are directories, FIFOs and missing files; a switched
// root serves the new set while a handle opened before reads the old file to its end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTree } from '../../src/site/files-tree.js';

test('the tree opens regular files inside it only', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-files-tree-'));
  try {
    const root = join(dir, 'root');
    mkdirSync(join(root, 'firmware'), { recursive: true });
    writeFileSync(join(root, 'firmware', 'a.loads'), 'AAA');
    writeFileSync(join(dir, 'secret'), 'S');
    mkdirSync(join(dir, 'outside'));
    writeFileSync(join(dir, 'outside', 'x'), 'X');
    symlinkSync('firmware/a.loads', join(root, 'alias.loads'));
    symlinkSync('../secret', join(root, 'escape'));
    symlinkSync(join(dir, 'outside'), join(root, 'linked-dir'));
    execFileSync('mkfifo', [join(root, 'fifo')]);
    const tree = new FileTree(root);
    const read = async (p: string) => {
      const f = await tree.open(p);
      if (!f.ok) return f.reason;
      try {
        return (await f.handle.readFile()).toString();
      } finally {
        await f.handle.close();
      }
    };
    assert.equal(await read('/firmware/a.loads'), 'AAA');
    assert.equal(await read('alias.loads'), 'AAA', 'a link inside the tree');
    assert.equal(await read('escape'), 'outside-root');
    assert.equal(await read('linked-dir/x'), 'outside-root');
    assert.equal(await read('firmware'), 'not-a-file');
    assert.equal(await read('firmware/'), 'not-a-file');
    assert.equal(await read('fifo'), 'not-a-file');
    assert.equal(await read('nope'), 'not-found');
    assert.equal(await read('firmware/a.loads/x'), 'not-found');
    assert.equal(await read('../secret'), 'dot-segment');

    // A switch of root: the next open sees the new set; a handle from before reads the old file.
    const next = join(dir, 'next');
    mkdirSync(join(next, 'firmware'), { recursive: true });
    writeFileSync(join(next, 'firmware', 'a.loads'), 'BBB');
    const before = await tree.open('firmware/a.loads');
    assert.ok(before.ok);
    tree.setRoot(next);
    assert.equal(await read('firmware/a.loads'), 'BBB');
    rmSync(join(root, 'firmware', 'a.loads'));
    assert.equal((await before.handle.readFile()).toString(), 'AAA', 'opened before the switch, read after the old file was removed');
    await before.handle.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
