// The example configs stay valid, and the committed JSON Schema stays the one the code uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseSiteConfig, siteConfigJsonSchema } from '../../src/config/site-config.js';
import { repoRoot } from '../support/paths.js';

function configs(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const full = join(dir, n);
    return statSync(full).isDirectory() ? configs(full) : /\.jsonc?$/.test(n) ? [full] : [];
  });
}

const examples = configs(join(repoRoot, 'examples'));

test('there are examples for a single site, a branch pair and a hub with branches', () => {
  const names = examples.map((f) => relative(join(repoRoot, 'examples'), f));
  assert.ok(names.includes('single-site.jsonc'));
  assert.ok(names.filter((n) => n.startsWith('branch-pair/')).length === 2);
  assert.ok(names.filter((n) => n.startsWith('hub-and-branches/branch-')).length >= 3);
});

for (const file of examples) {
  test(`example ${relative(repoRoot, file)} is a valid site config with comments`, () => {
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^\s*\/\//m, 'examples explain themselves in comments');
    const r = parseSiteConfig(text);
    assert.deepEqual(r.ok ? [] : r.problems, []);
  });
}

test('schema/site-config.v1.schema.json is the schema the code validates with (regenerate: outpost site schema)', () => {
  const committed = JSON.parse(readFileSync(join(repoRoot, 'schema', 'site-config.v1.schema.json'), 'utf8')) as unknown;
  assert.deepEqual(committed, siteConfigJsonSchema());
});
