// Test program: builds a small lab, prints what it made as one JSON line, then ends
// the way MODE says, so a self-test can check that nothing of it survives.
// Usage: node lab-child.js MODE   MODE = wait | exit | uncaught | return
//   wait: idle until signalled (the parent sends SIGINT, SIGTERM or SIGKILL); exits 3 after 60 s
//   return: just stop doing anything, never calling destroy(): the process must still end
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Lab } from '../index.js';

const mode = process.argv[2] ?? 'wait';
const lab = await Lab.create({ tag: 'child' });
const a = await lab.namespace('a');
const b = await lab.namespace('b');
const ends = await lab.link(a, b, { a: '192.0.2.1/24', b: '192.0.2.2/24' });
const dir = await lab.tempDir();
writeFileSync(join(dir, 'marker'), 'x');
const sleeper = a.spawn('sleep', ['300']);
// A program that leaves our process group and session: only namespace-wide cleanup finds it.
const escaped = await b.run('sh', ['-c', 'setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!']);
const report = {
  runId: lab.runId,
  tag: lab.run.tag,
  namespaces: [a.name, b.name],
  interfaces: [ends.a, ends.b],
  tempDir: dir,
  pids: [sleeper.pid, Number(escaped.stdout.trim())],
};
console.log(JSON.stringify(report));

if (mode === 'exit') process.exit(0);
if (mode === 'uncaught') throw new Error('lab-child: deliberate uncaught exception');
if (mode === 'wait') setTimeout(() => process.exit(3), 60_000);
