// The `agent` section of the site config (src/config/agent-schema.ts, agent-validate.ts)
// through parseSiteConfig: defaults, every semantic error with its path and reason and
// the boundary it sits on, unknown keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSiteConfig } from '../../src/config/site-config.js';

type Editable = any;
const MiB = 1024 * 1024;

function baseConfig(): Editable {
  return {
    version: 1, site: { name: 'branch' }, server: { name: 'branch-1' },
    agent: { managers: [{ url: 'https://manager.example.net:8443' }], tokenFile: 'agent.token', dataDir: 'agent-data' },
  };
}

function problems(config: unknown): string[] {
  const r = parseSiteConfig(JSON.stringify(config));
  return r.ok ? [] : r.problems.map((p) => `${p.code} ${p.path}: ${p.reason}`);
}

test('an agent section loads with the defaults filled in; without one the site is standalone', () => {
  const r = parseSiteConfig(JSON.stringify(baseConfig()));
  assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  assert.deepEqual(r.loaded.config.agent, {
    enabled: true,
    managers: [{ url: 'https://manager.example.net:8443' }],
    tokenFile: 'agent.token',
    dataDir: 'agent-data',
    outbox: { maxBytes: 1024 * MiB, segmentBytes: 16 * MiB },
    delivery: { batchEvents: 1000, batchBytes: MiB, timeout: 30, retryMin: 1, retryMax: 60 },
  });
  const { agent: _, ...standalone } = baseConfig();
  const s = parseSiteConfig(JSON.stringify(standalone));
  assert.ok(s.ok);
  assert.equal(s.loaded.config.agent, undefined);
});

test('each semantic error of the agent section names its path and reason', () => {
  const cases: [string, (c: Editable) => void, string][] = [
    ['the same manager twice', (c) => c.agent.managers.push({ url: 'https://manager.example.net:8443' }),
      'CONFIG_INVALID $.agent.managers[1].url: https://manager.example.net:8443 is also agent.managers[0]'],
    // Compared as URLs: host case, a trailing slash and the default port do not make another manager.
    ['the same manager spelled differently', (c) => { c.agent.managers = [{ url: 'https://m.example.net' }, { url: 'http://m.example.net' }, { url: 'https://M.Example.NET:443/' }]; },
      'CONFIG_INVALID $.agent.managers[2].url: https://M.Example.NET:443/ is also agent.managers[0]'],
    ['a base path with and without its trailing slash', (c) => { c.agent.managers = [{ url: 'https://m.example.net/outpost' }, { url: 'https://m.example.net/outpost/' }]; },
      'CONFIG_INVALID $.agent.managers[1].url: https://m.example.net/outpost/ is also agent.managers[0]'],
    ['caFile with an http URL', (c) => { c.agent.managers[0] = { url: 'http://manager.example.net:8080', caFile: 'ca.pem' }; },
      'CONFIG_INVALID $.agent.managers[0].caFile: caFile is for an https URL'],
    ['a URL the pattern lets through', (c) => { c.agent.managers[0].url = 'https://manager.example.net:99999'; },
      'CONFIG_INVALID $.agent.managers[0].url: https://manager.example.net:99999 is not a URL'],
    ['retryMin more than retryMax', (c) => { c.agent.delivery = { retryMin: 120, retryMax: 60 }; },
      'CONFIG_INVALID $.agent.delivery.retryMin: retryMin 120 is more than retryMax 60'],
    ['retryMin more than the default retryMax', (c) => { c.agent.delivery = { retryMin: 61 }; },
      'CONFIG_INVALID $.agent.delivery.retryMin: retryMin 61 is more than retryMax 60'],
    ['a segment over a quarter of the outbox', (c) => { c.agent.outbox = { maxBytes: 4 * MiB, segmentBytes: MiB + 1 }; },
      `CONFIG_INVALID $.agent.outbox.segmentBytes: a segment of ${MiB + 1} bytes is more than a quarter of maxBytes ${4 * MiB}`],
    ['a small outbox with the default segment', (c) => { c.agent.outbox = { maxBytes: 32 * MiB }; },
      `CONFIG_INVALID $.agent.outbox.segmentBytes: a segment of ${16 * MiB} bytes is more than a quarter of maxBytes ${32 * MiB}`],
  ];
  for (const [what, edit, expected] of cases) {
    const c = baseConfig();
    edit(c);
    assert.deepEqual(problems(c), [expected], what);
  }
});

test('the limits themselves are allowed', () => {
  const cases: [string, (c: Editable) => void][] = [
    ['caFile with an https URL', (c) => { c.agent.managers[0].caFile = 'ca.pem'; }],
    ['the same host on another port or path', (c) => c.agent.managers.push({ url: 'https://manager.example.net:9443' }, { url: 'https://manager.example.net:8443/other' })],
    ['retryMin equal to retryMax', (c) => { c.agent.delivery = { retryMin: 60, retryMax: 60 }; }],
    ['a segment of exactly a quarter', (c) => { c.agent.outbox = { maxBytes: 4 * MiB, segmentBytes: MiB }; }],
  ];
  for (const [what, edit] of cases) {
    const c = baseConfig();
    edit(c);
    assert.deepEqual(problems(c), [], what);
  }
});

test('unknown keys in the agent section are refused at their own path', () => {
  const cases: [(c: Editable) => void, string][] = [
    [(c) => { c.agent.token = 'secret'; }, 'CONFIG_INVALID $.agent.token: unknown key (allowed here: enabled, managers, tokenFile, dataDir, outbox, delivery)'],
    [(c) => { c.agent.managers[0].ca = 'ca.pem'; }, 'CONFIG_INVALID $.agent.managers[0].ca: unknown key (allowed here: url, caFile)'],
    [(c) => { c.agent.outbox = { segments: 4 }; }, 'CONFIG_INVALID $.agent.outbox.segments: unknown key (allowed here: maxBytes, segmentBytes)'],
    [(c) => { c.agent.delivery = { retries: 3 }; }, 'CONFIG_INVALID $.agent.delivery.retries: unknown key (allowed here: batchEvents, batchBytes, timeout, retryMin, retryMax)'],
  ];
  for (const [edit, expected] of cases) {
    const c = baseConfig();
    edit(c);
    assert.deepEqual(problems(c), [expected]);
  }
});
