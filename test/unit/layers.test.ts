import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checkLayers } from '../support/layer-check.js';
import { repoRoot } from '../support/paths.js';

const fixtures = join(repoRoot, 'test', 'fixtures', 'layers');

test('the source tree obeys the layer rules of docs/architecture.md', () => {
  const violations = checkLayers(join(repoRoot, 'src'));
  assert.deepEqual(violations.map((v) => `${v.file}:${v.line} ${v.target}: ${v.reason}`), []);
});

test('a tree that only imports downward passes', () => {
  assert.deepEqual(checkLayers(join(fixtures, 'clean', 'src')), []);
});

test('every upward import and every impure import in a pure layer is reported', () => {
  const found = checkLayers(join(fixtures, 'upward', 'src')).map((v) => `${v.file}:${v.line} ${v.target}`).sort();
  assert.deepEqual(found, [
    'config/reexport.ts:1 ../site/daemon.js',        // re-export from a higher layer
    'config/reexport.ts:2 ../cli/main.js',           // import() type from a higher layer
    'manager/store.ts:1 ../site/daemon.js',          // siblings that must stay apart
    'protocol/dns/engine.ts:2 ../../cli/main.js',    // dynamic import upward
    'protocol/dns/engine.ts:3 setTimeout',           // real timers in a pure layer
    'protocol/dns/engine.ts:4 node:fs/promises',     // file system in a pure layer
    'wire/bad-codec.ts:2 ../site/daemon.js',         // codec importing the site daemon
    'wire/bad-codec.ts:3 node:dgram',                // codec importing sockets
  ]);
});

test('the reason names both layers of an upward import', () => {
  const v = checkLayers(join(fixtures, 'upward', 'src')).find((x) => x.file === 'wire/bad-codec.ts' && x.target === '../site/daemon.js');
  assert.match(v?.reason ?? '', /upward import: wire \(layer 1\) must not import site \(layer 4\)/);
});
