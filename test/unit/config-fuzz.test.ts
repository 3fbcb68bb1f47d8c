// Fuzz run of the site config parser: mutated documents must be answered with
// problems (each with a JSON path) or a valid config — never an exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSiteConfig } from '../../src/config/site-config.js';
import { parseJsonc } from '../../src/config/jsonc.js';
import { relationshipHash, relationshipParameters } from '../../src/config/failover-parameters.js';
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

const failoverSeedText = readFileSync(join(repoRoot, 'examples', 'failover-hot-standby-primary.jsonc'), 'utf8');

for (const [name, seed, runs] of [['single-site', seedText, 5000], ['failover-hot-standby-primary', failoverSeedText, 2000]] as const) {
  test(`${runs} mutated ${name} configs never throw and every problem names a path`, () => {
    const rnd = seededRandom(0x0b5e7);
    let rejected = 0;
    for (let i = 0; i < runs; i++) {
      const input = mutate(seed, rnd);
      const r = parseSiteConfig(input);
      if (!r.ok) {
        rejected++;
        assert.ok(r.problems.length > 0);
        for (const p of r.problems) assert.match(p.path, /^\$/, `problem without a path for input ${JSON.stringify(input)}`);
      }
    }
    assert.ok(rejected > runs / 2, `mutations should mostly break the config; only ${rejected} rejected`);
  });
}

// Text mutations mostly break the syntax; these keep it and vary the failover
// section's values, valid and not, so the semantic checks and warnings run on odd
// but schema-valid input.
test('3000 failover sections with random values never throw; accepted ones hash every relationship', () => {
  const rnd = seededRandom(0xfa11);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const maybe = <T>(x: T): T | undefined => (rnd() < 0.5 ? x : undefined);
  const key = Buffer.alloc(32, 5).toString('base64');
  const base = parseJsonc(failoverSeedText).value as any;
  const cidrs = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '192.0.2.5/24', '0.0.0.0/0', '192.0.2.0/32'];
  let accepted = 0;
  let warned = 0;
  for (let i = 0; i < 3000; i++) {
    const c = structuredClone(base);
    if (rnd() < 0.05) delete c.dhcp;
    else if (rnd() < 0.3) c.dhcp.subnets[0].pools = pick([[], [{ start: '192.0.2.9', end: '192.0.2.9' }], [{ start: '192.0.2.200', end: '192.0.2.100' }], [{ start: '192.0.2.1', end: '192.0.2.254' }, { start: '192.0.2.10', end: '192.0.2.20' }]]);
    // Mostly coherent relationships (so many configs pass and reach the warnings),
    // each value wrong now and then.
    const odd = () => rnd() < 0.08;
    const free = ['192.0.2.0/24', '198.51.100.0/24'];
    const n = 1 + Math.floor(rnd() * 3);
    c.failover = {
      listen: maybe({ address: pick(['0.0.0.0', '203.0.113.2', '203.0.113.3']), port: pick([1, 647, 65535]) }),
      relationships: Array.from({ length: n }, (_, j) => {
        const mode = pick(['hot-standby', 'load-balancing', 'split-scope'] as const);
        const talks = mode !== 'split-scope';
        const subnets = odd() || free.length === 0 ? Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(cidrs)) : [free.splice(Math.floor(rnd() * free.length), 1)[0]!];
        return JSON.parse(JSON.stringify({
          name: odd() ? pick(['a', 'branch-09']) : `r${j}`,
          mode,
          role: odd() ? pick(['primary', 'standby', 'secondary']) : pick(['primary', mode === 'hot-standby' ? 'standby' : 'secondary']),
          partner: talks !== odd() ? { name: pick(['branch-09-a', 'branch-09-b', 'c']), address: pick(['203.0.113.2', '203.0.113.3', '203.0.113.4']), port: maybe(pick([647, 648])) } : undefined,
          key: talks !== odd() ? pick([key, key, key, 'short', 'QUJD', key + '=']) : undefined,
          keyFile: odd() ? pick(['k', '/etc/outpost/k']) : undefined,
          subnets,
          split: maybe(pick([1, 50, 99])),
          standbyReserve: maybe(pick([1, 10, 50])),
          mclt: maybe(pick([1, 5, 6, 604800])),
          maxClockSkew: maybe(pick([1, 5, 3600])),
        }));
      }),
    };
    const r = parseSiteConfig(JSON.stringify(c));
    if (!r.ok) {
      for (const p of r.problems) assert.match(p.path, /^\$/);
      continue;
    }
    accepted++;
    if (r.loaded.warnings.length > 0) warned++;
    for (const w of r.loaded.warnings) assert.match(w.path, /^\$\.failover/);
    for (const rel of r.loaded.config.failover?.relationships ?? []) assert.equal(relationshipHash(relationshipParameters(r.loaded.config, rel)).length, 32);
  }
  assert.ok(accepted > 150, `some random sections should be valid; ${accepted} were`);
  assert.ok(warned > 30, `some valid sections should warn; ${warned} did`);
});

test('deeply nested input is answered, not a stack overflow', () => {
  const r = parseSiteConfig('{"a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}');
  assert.ok(!r.ok);
  assert.deepEqual(r.problems.map((p) => p.reason), ['nested more than 64 levels deep at line 1, column 69']);
});
