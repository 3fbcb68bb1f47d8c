// The `dns` section of the site config: defaults, and every semantic error of
// dns-validate.ts with its path and reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSiteConfig } from '../../src/config/site-config.js';
import { isPrefix, zoneKey } from '../../src/config/dns-validate.js';

type Editable = any;

const SECRET = Buffer.alloc(32, 9).toString('base64');

function baseConfig(): Editable {
  return {
    version: 1,
    site: { name: 'hub' },
    server: { name: 'hub-dns-1' },
    dns: {
      listen: [{ address: '192.0.2.53' }],
      dataDir: 'dns-data',
      keys: [{ name: 'xfr.example.com', secret: SECRET }],
      zones: [
        { name: 'voice.example.com', type: 'primary', file: 'voice.zone', allowTransfer: [{ from: ['198.51.100.0/24'], key: 'xfr.example.com' }], allowUpdate: [{ key: 'xfr.example.com', names: ['*.voice.example.com', 'Phone.Voice.Example.com.'], types: ['A', 'PTR', 'DHCID'] }] },
        { name: '2.0.192.in-addr.arpa.', type: 'secondary', primaries: [{ address: '198.51.100.1', key: 'xfr.example.com' }], expiry: 'never' },
      ],
    },
  };
}

function problems(config: unknown): string[] {
  const r = parseSiteConfig(JSON.stringify(config));
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.reason}`);
}

test('a valid dns section loads with the defaults filled in', () => {
  const r = parseSiteConfig(JSON.stringify(baseConfig()));
  assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  const dns = r.loaded.config.dns!;
  assert.deepEqual([dns.enabled, dns.udpSize, dns.listen[0]!.port, dns.tcp], [true, 1232, 53, { idleTimeout: 10, maxConnections: 1000, maxPipelined: 100 }]);
  assert.deepEqual([dns.keys[0]!.algorithm, dns.zones[0]!.expiry, dns.zones[1]!.forwardUpdates, dns.zones[0]!.ixfrHistory], ['hmac-sha256', 'soa', true, 100]);
});

test('each semantic error names its path and reason', () => {
  const cases: [string, (c: Editable) => void, string][] = [
    ['duplicate zone (case and trailing dot ignored)', (c) => c.dns.zones.push({ name: 'Voice.Example.com.', type: 'primary', file: 'b.zone' }), '$.dns.zones[2].name: zone Voice.Example.com. is also dns.zones[0]'],
    ['primary without file', (c) => delete c.dns.zones[0].file, '$.dns.zones[0].file: a primary zone needs the zone file it serves'],
    ['primary with primaries', (c) => { c.dns.zones[0].primaries = [{ address: '198.51.100.1' }]; }, '$.dns.zones[0].primaries: a primary zone has no primaries (did you mean type "secondary"?)'],
    ['secondary without primaries', (c) => delete c.dns.zones[1].primaries, '$.dns.zones[1].primaries: a secondary zone needs the primaries it transfers from'],
    ['a secondary\'s copy in a primary\'s zone file', (c) => { c.dns.zones[1].file = './voice.zone'; }, '$.dns.zones[1].file: ./voice.zone is also the file of dns.zones[0]: the transferred copy would overwrite it'],
    ['secondary with update grants', (c) => { c.dns.zones[1].allowUpdate = [{ key: 'xfr.example.com' }]; }, '$.dns.zones[1].allowUpdate: a secondary does not apply updates itself; it forwards them to its primary (forwardUpdates)'],
    ['duplicate key', (c) => c.dns.keys.push({ name: 'XFR.example.com.', secret: SECRET }), '$.dns.keys[1].name: key XFR.example.com. is defined more than once'],
    ['key without secret', (c) => delete c.dns.keys[0].secret, '$.dns.keys[0]: give exactly one of secret and secretFile'],
    ['key with both', (c) => { c.dns.keys[0].secretFile = 'k'; }, '$.dns.keys[0]: give exactly one of secret and secretFile'],
    ['secret not base64', (c) => { c.dns.keys[0].secret = 'not base64!'; }, '$.dns.keys[0].secret: not base64 (standard alphabet, padded)'],
    ['secret too short', (c) => { c.dns.keys[0].secret = Buffer.alloc(8).toString('base64'); }, '$.dns.keys[0].secret: 8 bytes decoded; at least 16 are needed'],
    ['unknown key in a transfer rule', (c) => { c.dns.zones[0].allowTransfer[0].key = 'other.example.com'; }, '$.dns.zones[0].allowTransfer[0].key: no key named other.example.com in dns.keys'],
    ['unknown key of a primary', (c) => { c.dns.zones[1].primaries[0].key = 'nope'; }, '$.dns.zones[1].primaries[0].key: no key named nope in dns.keys'],
    ['unknown key of a notify target', (c) => { c.dns.zones[0].notify = [{ address: '198.51.100.2', key: 'nope' }]; }, '$.dns.zones[0].notify[0].key: no key named nope in dns.keys'],
    ['empty transfer rule', (c) => { c.dns.zones[0].allowTransfer = [{}]; }, '$.dns.zones[0].allowTransfer[0]: a rule needs `from`, `key` or both (an empty rule would allow everyone)'],
    ['bad prefix', (c) => { c.dns.zones[0].allowTransfer[0].from = ['198.51.100.0/33']; }, '$.dns.zones[0].allowTransfer[0].from[0]: 198.51.100.0/33 is not an address or prefix'],
    ['bad update type', (c) => { c.dns.zones[0].allowUpdate[0].types = ['AXFR']; }, '$.dns.zones[0].allowUpdate[0].types[0]: AXFR is not a record type that can be updated'],
    ['update name outside the zone', (c) => { c.dns.zones[0].allowUpdate[0].names = ['*.voice.example.com', 'www.example.com']; }, '$.dns.zones[0].allowUpdate[0].names[1]: www.example.com is not in the zone voice.example.com'],
    ['"*." of a name outside the zone', (c) => { c.dns.zones[0].allowUpdate[0].names = ['*.example.com.']; }, '$.dns.zones[0].allowUpdate[0].names[0]: *.example.com. is not in the zone voice.example.com'],
  ];
  for (const [what, edit, expected] of cases) {
    const c = baseConfig();
    edit(c);
    assert.deepEqual(problems(c), [expected], what);
  }
});

test('the schema refuses unknown keys and values out of range', () => {
  const c = baseConfig();
  c.dns.udpSize = 100;
  c.dns.zones[0].expiry = 'sometimes';
  c.dns.surprise = true;
  const p = problems(c);
  assert.ok(p.some((x) => x.startsWith('$.dns.udpSize')), p.join('\n'));
  assert.ok(p.some((x) => x.startsWith('$.dns.zones[0].expiry')), p.join('\n'));
  assert.ok(p.some((x) => x.includes('surprise')), p.join('\n'));
});

test('prefixes and zone keys', () => {
  for (const ok of ['192.0.2.1', '192.0.2.0/24', '2001:db8::/32', '::1', '0.0.0.0/0']) assert.ok(isPrefix(ok), ok);
  for (const bad of ['192.0.2.0/33', '2001:db8::/129', '192.0.2', 'x/24', '192.0.2.0/24/1', '192.0.2.0/']) assert.ok(!isPrefix(bad), bad);
  assert.equal(zoneKey('Voice.Example.COM'), 'voice.example.com.');
  assert.equal(zoneKey('.'), '.');
});
