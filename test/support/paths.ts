import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('/dist')) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
  return dir;
}

/** The repository root (compiled tests live under dist/, sources at the root). */
export const repoRoot = findRoot(dirname(fileURLToPath(import.meta.url)));
/** The compiled `outpost` command. */
export const outpostBin = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
