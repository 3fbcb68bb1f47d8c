// `npm start` (scripts/start.mjs) starts the manager (demo dataset) and the site daemon and says where to look.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { repoRoot } from '../support/paths.js';
import { startChild } from '../support/child.js';

test('npm start runs the manager with the demo dataset and the single-site example; the URLs and first login it prints work', { timeout: 120_000 }, async () => {
  const child = startChild(process.execPath, [join(repoRoot, 'scripts', 'start.mjs')], { cwd: repoRoot });
  after(() => child.kill());
  const [, url] = await child.waitFor(/site daemon: +(http:\/\/127\.0\.0\.1:\d+)\/healthz/, 90_000);
  const body = await (await fetch(`${url}/healthz`)).json() as { status: string; site: string };
  assert.deepEqual([body.status, body.site], ['ok', 'headquarters']);
  const [, api] = await child.waitFor(/manager API: +(http:\/\/127\.0\.0\.1:\d+\/api\/v1)/);
  const [, user, password] = await child.waitFor(/first login: user (\S+), password (\S+)/);
  const session = await fetch(`${api}/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: user, password }) });
  assert.equal(session.status, 201);
  const { token } = await session.json() as { token: string };
  const sites = await (await fetch(`${api}/sites`, { headers: { authorization: `Bearer ${token}` } })).json() as { items: { name: string }[] };
  assert.deepEqual(sites.items.map((s) => s.name), ['headquarters', 'branch-01', 'branch-02', 'branch-03']);
  child.proc.kill('SIGINT');
  const { code } = await child.exit(5000);
  assert.equal(code, 0);
});
