// `npm run bench -- <name> [options]`: build, then run the bench CLI with the
// same arguments and stdio, and exit with its code. See docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { setup, root } from './setup.mjs';

setup();
// Ctrl-C goes to the whole process group: let the child clean up and exit,
// and report its status instead of dying first.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
const r = spawnSync(process.execPath, [join(root, 'dist', 'bench', 'main.js'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
// Killed by a signal (Ctrl-C reaches the child too): report it the shell's way.
process.exit(r.status ?? (r.signal === 'SIGINT' ? 130 : 1));
