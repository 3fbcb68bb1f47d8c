// Fuzz run of the site config parser: mutated documents must be answered with
// problems (each with a JSON path) or a valid config — never an exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSiteConfig } from '../../src/config/site-config.js';
import { repoRoot } from '../support/paths.js';
import { seededRandom } from '../support/random.js';

const seedText = readFileSync(join(repoRoot, 'examples', 'single-site.jsonc'), 'utf8');
const alphabet = '{}[]":,/*\\\n 0123456789-.eEtrufalsn\u0000\u00ff\ud800abc';

function mutate(input: string, rnd: () => number): string {
  let s = input;
  const edits = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const kind = rnd();
    if (kind < 0.4) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 8));
    else if (kind < 0.8) s = s.slice(0, at) + alphabet[Math.floor(rnd() * alphabet.length)] + s.slice(at);
    else s = s.slice(0, at) + s.slice(Math.floor(rnd() * s.length));
  }
  return s;
}

test('5000 mutated configs never throw and every problem names a path', () => {
  const rnd = seededRandom(0x0b5e7);
  let rejected = 0;
  for (let i = 0; i < 5000; i++) {
    const input = mutate(seedText, rnd);
    const r = parseSiteConfig(input);
    if (!r.ok) {
      rejected++;
      assert.ok(r.problems.length > 0);
      for (const p of r.problems) assert.match(p.path, /^\$/, `problem without a path for input ${JSON.stringify(input)}`);
    }
  }
  assert.ok(rejected > 2500, `mutations should mostly break the config; only ${rejected} rejected`);
});

test('deeply nested input is answered, not a stack overflow', () => {
  const r = parseSiteConfig('{"a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}');
  assert.ok(!r.ok);
  assert.deepEqual(r.problems.map((p) => p.reason), ['nested more than 64 levels deep at line 1, column 69']);
});
