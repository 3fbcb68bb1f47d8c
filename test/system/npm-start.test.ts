// `npm start` (scripts/start.mjs) starts the site daemon and says where to look.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '../support/paths.js';
import { startChild } from '../support/child.js';

test('npm start runs the single-site example and prints a status URL that answers', { timeout: 120_000 }, async () => {
  const child = startChild(process.execPath, [join(repoRoot, 'scripts', 'start.mjs')], { cwd: repoRoot });
  after(() => child.kill());
  const [, url] = await child.waitFor(/health: +(http:\/\/127\.0\.0\.1:\d+)\/healthz/, 90_000);
  const body = await (await fetch(`${url}/healthz`)).json() as { status: string; site: string };
  assert.deepEqual([body.status, body.site], ['ok', 'headquarters']);
  child.proc.kill('SIGINT');
  const { code } = await child.exit(5000);
  assert.equal(code, 0);
});
