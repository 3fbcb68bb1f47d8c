import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSiteConfig } from '../../src/config/site-config.js';

const minimal = { version: 1, site: { name: 'branch-07' }, server: { name: 'branch-07-a' } };
const text = (v: unknown) => JSON.stringify(v);

function problems(source: string): string[] {
  const r = parseSiteConfig(source);
  assert.equal(r.ok, false, 'expected the config to be rejected');
  return r.ok ? [] : r.problems.map((p) => `${p.code} ${p.path}: ${p.reason}`);
}

test('a minimal config is accepted and completed with the defaults', () => {
  const r = parseSiteConfig(text(minimal));
  assert.ok(r.ok);
  assert.deepEqual(r.loaded.config.status, { listen: '127.0.0.1', port: 9180 });
  assert.equal(r.loaded.config.log.level, 'info');
  assert.match(r.loaded.hash, /^sha256:[0-9a-f]{64}$/);
});

test('the loaded config is frozen all the way down', () => {
  const r = parseSiteConfig(text(minimal));
  assert.ok(r.ok);
  assert.ok(Object.isFrozen(r.loaded.config) && Object.isFrozen(r.loaded.config.status));
  assert.throws(() => { (r.loaded.config.status as { port: number }).port = 1; }, TypeError);
});

test('comments, whitespace, key order and $schema do not change the hash; a value does', () => {
  const a = parseSiteConfig(text(minimal));
  const b = parseSiteConfig(`// note\n{ "server": {"name":"branch-07-a"}, /* x */ "site": {"name": "branch-07"},\n "version": 1, "$schema": "x.json" }`);
  const c = parseSiteConfig(text({ ...minimal, server: { name: 'branch-07-b' } }));
  assert.ok(a.ok && b.ok && c.ok);
  assert.equal(a.loaded.hash, b.loaded.hash);
  assert.notEqual(a.loaded.hash, c.loaded.hash);
});

test('syntax errors give line and column', () => {
  assert.deepEqual(problems('{\n  "version": 1,\n  "site": {"name": "x"\n}'), ['CONFIG_SYNTAX $: expected \'}\' at line 4, column 2']);
  assert.deepEqual(problems('{"version": 1,}'), ['CONFIG_SYNTAX $: expected a quoted key at line 1, column 15']);
  assert.equal(problems('{"a": "unterminated}')[0], 'CONFIG_SYNTAX $: string not closed at line 1, column 7');
});

test('an empty file, or one with only comments, is an error', () => {
  assert.deepEqual(problems(''), ['CONFIG_SYNTAX $: the file is empty']);
  assert.deepEqual(problems('// nothing here\n'), ['CONFIG_SYNTAX $: the file is empty']);
});

test('a duplicate key is an error naming the key path and position', () => {
  assert.deepEqual(problems('{"version":1,"site":{"name":"a","name":"b"},"server":{"name":"s"}}'), ['CONFIG_SYNTAX $.site.name: duplicate key (line 1, column 33)']);
});

test('a document that is not an object is rejected', () => {
  assert.deepEqual(problems('[1,2]'), ['CONFIG_INVALID $: the config must be a JSON object']);
  assert.deepEqual(problems('"x"'), ['CONFIG_INVALID $: the config must be a JSON object']);
});

test('an unsupported schema version is named as such', () => {
  assert.deepEqual(problems(text({ ...minimal, version: 7 })), ['CONFIG_VERSION_UNSUPPORTED $.version: version 7 is not supported by this build (supported: 1)']);
  assert.deepEqual(problems(text({ ...minimal, version: '1' })), ['CONFIG_INVALID $.version: must be 1, not the string "1"']);
});

test('missing required keys are reported at their parent', () => {
  assert.deepEqual(problems(text({ version: 1, site: {} })), [
    'CONFIG_INVALID $: missing required key "server"',
    'CONFIG_INVALID $.site: missing required key "name"',
  ]);
});

test('unknown keys are errors at their own path, listing what is allowed', () => {
  assert.deepEqual(problems(text({ ...minimal, dchp: {} })), ['CONFIG_INVALID $.dchp: unknown key (allowed here: version, site, server, status, log, dhcp, failover, dns, files, agent)']);
  assert.deepEqual(problems(text({ ...minimal, status: { prot: 1 } })), ['CONFIG_INVALID $.status.prot: unknown key (allowed here: listen, port)']);
});

test('wrong types, ranges, enums, patterns and formats each name path and reason', () => {
  assert.deepEqual(problems(text({ ...minimal, status: { port: '80' } })), ['CONFIG_INVALID $.status.port: must be integer, not the string "80"']);
  assert.deepEqual(problems(text({ ...minimal, status: { port: 70000 } })), ['CONFIG_INVALID $.status.port: must be <= 65535, not number 70000']);
  assert.deepEqual(problems(text({ ...minimal, status: { port: 1.5 } })), ['CONFIG_INVALID $.status.port: must be integer, not number 1.5']);
  assert.deepEqual(problems(text({ ...minimal, log: { level: 'loud' } })), [
    'CONFIG_INVALID $.log.level: must be one of "fatal", "error", "warn", "info", "debug", "trace", not the string "loud"',
  ]);
  const [name] = problems(text({ ...minimal, site: { name: 'Branch 7' } }));
  assert.match(name ?? '', /^CONFIG_INVALID \$\.site\.name: the string "Branch 7" is not allowed here \(The site name: lower-case letters/);
  assert.deepEqual(problems(text({ ...minimal, status: { listen: '300.1.2.3' } })), ['CONFIG_INVALID $.status.listen: the string "300.1.2.3" is not a valid ip-address']);
  assert.deepEqual(problems(text({ ...minimal, site: 'branch' })), ['CONFIG_INVALID $.site: must be object, not the string "branch"']);
});

test('every error is reported at once, not only the first', () => {
  const paths = problems(text({ version: 1, site: { name: 'X' }, server: { name: '' }, status: { port: -1 }, extra: true }))
    .map((p) => p.split(' ')[1]?.replace(/:$/, ''));
  assert.deepEqual([...new Set(paths)].sort(), ['$.extra', '$.server.name', '$.site.name', '$.status.port']);
});
