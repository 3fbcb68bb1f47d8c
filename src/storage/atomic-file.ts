// A small file replaced whole and durably: written to `<path>.tmp`, fsynced, renamed
// over `<path>`, the directory fsynced — a reader (or a restart) sees the old content or
// the new, never a part. Used by the secondary's zone copies, primary zone files, the
// event outbox's acknowledgement and the file sync's set manifests.
import { open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fsyncDir } from './lease-journal-files.js';

/** Test hooks: a step that throws stands for a crash at that point. */
export interface AtomicWriteHooks {
  afterTempSynced?(tmp: string): Promise<void> | void;
}

/** Writes `text` to `path` through `path.tmp`: write, fsync, rename, directory fsync. */
export async function writeFileAtomically(path: string, text: string, hooks: AtomicWriteHooks = {}): Promise<void> {
  const tmp = `${path}.tmp`;
  await rm(tmp, { force: true }); // a leftover of a crash
  const fh = await open(tmp, 'wx', 0o644);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await hooks.afterTempSynced?.(tmp);
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}
