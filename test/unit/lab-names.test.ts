// Names the lab gives to what it creates: unique per run, short enough for interfaces,
// and parseable back to the owner's pid so the sweeper can judge leftovers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interfaceName, namespaceName, newRunId, parseLabName, tempDirPrefix } from '../lab/names.js';

test('namespace and temp dir names carry the prefix, run id and owner pid', () => {
  const run = newRunId(4194304); // the largest Linux pid
  const ns = namespaceName(run, 'dhcp-a');
  assert.match(ns, /^op-[0-9a-z]+-[0-9a-z]{4}-dhcp-a$/);
  assert.deepEqual(parseLabName(ns), { runId: run.id, pid: 4194304 });
  assert.deepEqual(parseLabName(`${tempDirPrefix(run)}Xy12Ab`), { runId: run.id, pid: 4194304 });
  assert.equal(parseLabName('op-something-else'), null);
  assert.equal(parseLabName('netns-of-someone'), null);
});

test('interface names fit in 15 characters and carry the run tag', () => {
  const run = newRunId(4194304);
  const name = interfaceName(run, 'v', 36 ** 3 - 1, 'a');
  assert.ok(name.length <= 15, name);
  assert.ok(name.includes(run.tag));
  assert.throws(() => interfaceName(run, 'v', 36 ** 12));
});

test('two runs get different ids', () => {
  const ids = new Set(Array.from({ length: 200 }, () => newRunId().id));
  assert.equal(ids.size, 200);
});

test('logical names are restricted to safe characters', () => {
  const run = newRunId();
  for (const bad of ['', 'A', 'a b', 'a/b', '-a', 'x'.repeat(33)]) assert.throws(() => namespaceName(run, bad), JSON.stringify(bad));
});
