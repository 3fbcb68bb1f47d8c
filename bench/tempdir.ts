// Temp directories for a bench session, removed on exit (pass, fail or Ctrl-C).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './cleanup.js';

export function sessionTempDir(benchName: string): { path: string; remove: () => Promise<void> } {
  const path = mkdtempSync(join(tmpdir(), `outpost-bench-${benchName}-`));
  const removeNow = () => rmSync(path, { recursive: true, force: true });
  // Also on a hard exit (crash, second Ctrl-C) where async cleanup never finishes.
  process.on('exit', removeNow);
  const forget = onCleanup(`temp dir ${path}`, removeNow);
  return {
    path,
    remove: async () => {
      await forget();
      process.off('exit', removeNow);
    },
  };
}
