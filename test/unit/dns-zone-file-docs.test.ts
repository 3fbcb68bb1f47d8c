// docs/dns.md documents every zone problem kind with its severity and meaning, and the
// reader's default limits, as the code has them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ZONE_FILE_LIMITS, ZONE_PROBLEM_KINDS } from '../../src/protocol/dns/zone-file/index.js';
import { repoRoot } from '../support/paths.js';

const doc = readFileSync(join(repoRoot, 'docs', 'dns.md'), 'utf8');

test('docs/dns.md lists every zone problem kind with its severity and meaning, and nothing else', () => {
  const rows = new Map([...doc.matchAll(/^\| `([a-z0-9-]+)` \| (error|warning) \| (.+) \|$/gm)].map((m) => [m[1]!, [m[2]!, m[3]!]]));
  assert.deepEqual([...rows.keys()], Object.keys(ZONE_PROBLEM_KINDS));
  for (const [kind, [severity, meaning]] of Object.entries(ZONE_PROBLEM_KINDS)) assert.deepEqual(rows.get(kind), [severity, meaning], kind);
});

test('docs/dns.md gives the default limits', () => {
  for (const [name, value] of Object.entries(DEFAULT_ZONE_FILE_LIMITS)) {
    assert.match(doc, new RegExp(`^\\| \`${name}\` \\| ${value}\\b`, 'm'), name);
  }
});
