// The registry of error and event codes: every code the source uses is registered,
// every registered code is documented in docs/codes.md with its level and summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { codes } from '../../src/core/codes.js';
import { repoRoot } from '../support/paths.js';

const AREAS = ['CONFIG', 'SITE', 'STATUS', 'DHCP', 'FAILOVER', 'DNS', 'DDNS', 'FILES', 'AGENT', 'MANAGER', 'API', 'CLI', 'LAB'];
const CODE_LITERAL = new RegExp(`['"\`]((?:${AREAS.join('|')})_[A-Z0-9_]+)['"\`]`, 'g');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const full = join(dir, n);
    return statSync(full).isDirectory() ? sources(full) : full.endsWith('.ts') ? [full] : [];
  });
}

test('every code literal used in src/ is in the registry', () => {
  const unregistered: string[] = [];
  for (const file of sources(join(repoRoot, 'src'))) {
    if (file.endsWith(join('core', 'codes.ts'))) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(CODE_LITERAL)) {
      if (!(m[1]! in codes)) unregistered.push(`${relative(repoRoot, file)}: ${m[1]}`);
    }
  }
  assert.deepEqual(unregistered, []);
});

test('every registered code starts with a known area', () => {
  for (const name of Object.keys(codes)) assert.ok(AREAS.includes(name.split('_')[0]!), `${name}: unknown area`);
});

test('docs/codes.md documents every registered code with its level and summary, and nothing else', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'codes.md'), 'utf8');
  const rows = new Map([...doc.matchAll(/^\| `([A-Z0-9_]+)` \| (\w+) \| (.+) \|$/gm)].map((m) => [m[1]!, { level: m[2]!, summary: m[3]! }]));
  for (const [name, info] of Object.entries(codes)) {
    const row = rows.get(name);
    assert.ok(row, `${name} is not documented in docs/codes.md`);
    assert.equal(row.level, info.level, `${name}: level in docs differs`);
    assert.equal(row.summary, info.summary, `${name}: summary in docs differs`);
  }
  assert.deepEqual([...rows.keys()].filter((n) => !(n in codes)), [], 'docs list codes that are not registered');
});
