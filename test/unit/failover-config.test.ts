// The `failover` section of the site config: defaults, every semantic error with its
// path and reason, the warnings, the relationship hash both partners compute, and the
// ownership split of pool ranges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSiteConfig, type LoadedSiteConfig } from '../../src/config/site-config.js';
import { relationshipHash, relationshipParameters } from '../../src/config/failover-parameters.js';
import { ownedRange, primaryCount, spanSize } from '../../src/config/failover-ownership.js';
import { base64Length } from '../../src/config/failover-validate.js';
import { ownedRange as engineOwnedRange } from '../../src/protocol/failover/ownership.js';
import type { FailoverMode, FailoverRole } from '../../src/config/failover-schema.js';
import { repoRoot } from '../support/paths.js';

type Editable = any;

const KEY = Buffer.alloc(32, 7).toString('base64');

/** Two subnets with one pool each (100 and 80 addresses), and a hot-standby relationship covering both. */
function baseConfig(): Editable {
  return {
    version: 1,
    site: { name: 'branch-07' },
    server: { name: 'branch-07-a' },
    dhcp: {
      interfaces: [{ name: 'eth0', address: '203.0.113.2' }],
      subnets: [
        { id: 1, subnet: '192.0.2.0/24', pools: [{ start: '192.0.2.100', end: '192.0.2.199' }], options: { routers: ['192.0.2.1'] } },
        { id: 2, subnet: '198.51.100.0/24', pools: [{ start: '198.51.100.10', end: '198.51.100.89' }], options: { routers: ['198.51.100.1'] } },
      ],
    },
    failover: {
      relationships: [
        {
          name: 'branch-07',
          mode: 'hot-standby',
          role: 'primary',
          partner: { name: 'branch-07-b', address: '203.0.113.3' },
          key: KEY,
          subnets: ['192.0.2.0/24', '198.51.100.0/24'],
        },
      ],
    },
  };
}

function load(config: unknown): LoadedSiteConfig {
  const r = parseSiteConfig(JSON.stringify(config));
  assert.deepEqual(r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.reason}`), []);
  assert.ok(r.ok);
  return r.loaded;
}

function problemsAfter(edit: (c: Editable) => void): string[] {
  const c = baseConfig();
  edit(c);
  const r = parseSiteConfig(JSON.stringify(c));
  assert.equal(r.ok, false, 'expected the config to be rejected');
  if (r.ok) return [];
  for (const p of r.problems) assert.equal(p.code, 'CONFIG_INVALID');
  return r.problems.map((p) => `${p.path}: ${p.reason}`);
}

function warningsAfter(edit: (c: Editable) => void): string[] {
  const c = baseConfig();
  edit(c);
  return load(c).warnings.map((w) => `${w.code} ${w.path}: ${w.reason}`);
}

const REL = '$.failover.relationships[0]';

// ---------------------------------------------------------------------------
// Schema and defaults

test('a failover section is filled with every default', () => {
  const loaded = load(baseConfig());
  const f = loaded.config.failover!;
  assert.deepEqual(f.listen, { address: '0.0.0.0', port: 647 });
  assert.deepEqual(f.relationships[0], {
    name: 'branch-07',
    mode: 'hot-standby',
    role: 'primary',
    partner: { name: 'branch-07-b', address: '203.0.113.3', port: 647 },
    key: KEY,
    subnets: ['192.0.2.0/24', '198.51.100.0/24'],
    split: 50,
    standbyReserve: 10,
    mclt: 3600,
    heartbeatInterval: 1000,
    missedHeartbeats: 2,
    updateTimeout: 2000,
    confirm: { refused: true, unansweredClients: 10, ackDelay: 10 },
    failback: { mode: 'automatic', delay: 0 },
    resync: { pageSize: 1000 },
    startupWait: 5,
    maxClockSkew: 5,
  });
  assert.deepEqual(loaded.warnings, []);
  assert.ok(Object.isFrozen(loaded.warnings));
});

test('a config without a failover section has no failover and no warnings', () => {
  const c = baseConfig();
  delete c.failover;
  const loaded = load(c);
  assert.equal(loaded.config.failover, undefined);
  assert.deepEqual(loaded.warnings, []);
});

test('the schema refuses unknown keys, bad ranges, modes and roles at their paths', () => {
  assert.deepEqual(problemsAfter((c) => { c.failover.relationships[0].mcl = 1; }), [`${REL}.mcl: unknown key (allowed here: name, mode, role, partner, key, keyFile, subnets, split, standbyReserve, mclt, heartbeatInterval, missedHeartbeats, updateTimeout, confirm, failback, resync, startupWait, maxClockSkew)`]);
  assert.deepEqual(problemsAfter((c) => { c.failover.listen = { port: 0 }; }), ['$.failover.listen.port: must be >= 1, not number 0']);
  assert.deepEqual(problemsAfter((c) => { c.failover.relationships[0].split = 100; }), [`${REL}.split: must be <= 99, not number 100`]);
  assert.deepEqual(problemsAfter((c) => { c.failover.relationships[0].mclt = 604801; }), [`${REL}.mclt: must be <= 604800, not number 604801`]);
  assert.deepEqual(problemsAfter((c) => { c.failover.relationships[0].mode = 'active-active'; }), [`${REL}.mode: must be one of "hot-standby", "load-balancing", "split-scope", not the string "active-active"`]);
  assert.deepEqual(problemsAfter((c) => { c.failover.relationships[0].confirm = { ackDelay: 0 }; }), [`${REL}.confirm.ackDelay: must be >= 1, not number 0`]);
  assert.deepEqual(problemsAfter((c) => { c.failover.relationships = []; }), ['$.failover.relationships: must NOT have fewer than 1 items, not an empty array']);
  assert.deepEqual(problemsAfter((c) => { c.failover.relationships[0].subnets = []; }), [`${REL}.subnets: must NOT have fewer than 1 items, not an empty array`]);
  const [name] = problemsAfter((c) => { c.failover.relationships[0].partner.name = 'Branch B'; });
  assert.match(name!, /^\$\.failover\.relationships\[0\]\.partner\.name: the string "Branch B" is not allowed here \(The partner's server\.name/);
});

// ---------------------------------------------------------------------------
// Semantic errors

test('failover without a dhcp section is an error', () => {
  assert.deepEqual(problemsAfter((c) => { delete c.dhcp; }), ['$.failover: failover replicates the DHCP server\'s leases: add a dhcp section with the subnets it covers']);
});

test('relationship names are unique', () => {
  assert.deepEqual(problemsAfter((c) => {
    const r = c.failover.relationships[0];
    c.failover.relationships.push({ ...r, subnets: ['198.51.100.0/24'] });
    r.subnets = ['192.0.2.0/24'];
  }), ['$.failover.relationships[1].name: branch-07 is already the name of $.failover.relationships[0]: name each relationship once']);
});

test('subnets must be dhcp subnets, network addresses, listed once, in one relationship', () => {
  assert.deepEqual(problemsAfter((c) => { c.failover.relationships[0].subnets = ['203.0.113.0/24', '192.0.2.5/24', '198.51.100.0/24', '198.51.100.0/24']; }), [
    `${REL}.subnets[0]: 203.0.113.0/24 is not a subnet of dhcp.subnets: list the dhcp subnets this relationship covers, as written there`,
    `${REL}.subnets[1]: 192.0.2.5/24 is not a network address: did you mean 192.0.2.0/24?`,
    `${REL}.subnets[3]: 198.51.100.0/24 is listed twice`,
  ]);
  assert.deepEqual(problemsAfter((c) => {
    c.failover.relationships.push({ name: 'other', mode: 'split-scope', role: 'primary', subnets: ['198.51.100.0/24'] });
  }), ['$.failover.relationships[1].subnets[0]: 198.51.100.0/24 is already in relationship branch-07 ($.failover.relationships[0]): a subnet belongs to at most one relationship']);
});

test('the role must be one of the mode\'s roles', () => {
  assert.deepEqual(problemsAfter((c) => { c.failover.relationships[0].role = 'secondary'; }), [`${REL}.role: secondary is not a role in hot-standby: use primary or standby`]);
  assert.deepEqual(problemsAfter((c) => { Object.assign(c.failover.relationships[0], { mode: 'load-balancing', role: 'standby' }); }), [`${REL}.role: standby is not a role in load-balancing: use primary or secondary`]);
  assert.deepEqual(problemsAfter((c) => {
    const r = c.failover.relationships[0];
    Object.assign(r, { mode: 'split-scope', role: 'standby' });
    delete r.partner; delete r.key;
  }), [`${REL}.role: standby is not a role in split-scope: use primary or secondary`]);
});

test('hot-standby and load-balancing need a partner and exactly one of key, keyFile', () => {
  assert.deepEqual(problemsAfter((c) => { delete c.failover.relationships[0].partner; }), [`${REL}: a hot-standby relationship needs its partner: add partner with the partner's name and address`]);
  assert.deepEqual(problemsAfter((c) => { Object.assign(c.failover.relationships[0], { mode: 'load-balancing', role: 'secondary' }); delete c.failover.relationships[0].key; }), [
    `${REL}: a load-balancing relationship needs the pre-shared key both partners authenticate with: give key (base64, e.g. from openssl rand -base64 32) or keyFile`,
  ]);
  assert.deepEqual(problemsAfter((c) => { c.failover.relationships[0].keyFile = '/etc/outpost/failover.key'; }), [`${REL}.keyFile: give key or keyFile, not both`]);
  const c = baseConfig();
  delete c.failover.relationships[0].key;
  c.failover.relationships[0].keyFile = 'failover.key';
  assert.equal(load(c).config.failover!.relationships[0]!.keyFile, 'failover.key');
});

test('split-scope takes neither partner nor key nor keyFile', () => {
  assert.deepEqual(problemsAfter((c) => { Object.assign(c.failover.relationships[0], { mode: 'split-scope', keyFile: 'k' }); }), [
    `${REL}.partner: split-scope servers never talk to each other: leave partner out (or use hot-standby or load-balancing)`,
    `${REL}.key: split-scope servers never talk to each other: leave key out`,
    `${REL}.keyFile: split-scope servers never talk to each other: leave keyFile out`,
  ]);
});

test('a key must be base64 of at least 32 bytes, and is never repeated in the message', () => {
  const short = Buffer.alloc(31, 1).toString('base64');
  assert.deepEqual(problemsAfter((c) => { c.failover.relationships[0].key = short; }), [`${REL}.key: decodes to 31 bytes; a key must have at least 32 (e.g. openssl rand -base64 32)`]);
  for (const bad of ['not base64!', KEY.slice(0, -1), `${KEY} `, 'QUJD=', '====']) {
    const problems = problemsAfter((c) => { c.failover.relationships[0].key = bad; });
    assert.deepEqual(problems, [`${REL}.key: is not valid base64 (A–Z, a–z, 0–9, + and /, padded with = to a multiple of 4 characters)`], bad);
  }
  const long = Buffer.alloc(800, 3).toString('base64');
  const [tooLong] = problemsAfter((c) => { c.failover.relationships[0].key = long; });
  assert.equal(tooLong, `${REL}.key: has ${long.length} characters; a key has at most 1024`);
  assert.ok(!tooLong!.includes(long.slice(0, 20)));
  assert.equal(base64Length(Buffer.alloc(33).toString('base64')), 33);
  assert.equal(base64Length(Buffer.alloc(34).toString('base64')), 34);
  assert.equal(base64Length(''), 0);
});

test('the partner is another server: not this server\'s name, not its own listener', () => {
  assert.deepEqual(problemsAfter((c) => { c.failover.relationships[0].partner.name = 'branch-07-a'; }), [
    `${REL}.partner.name: branch-07-a is this server's own name (server.name): the partner is the other server of the relationship`,
  ]);
  assert.deepEqual(problemsAfter((c) => { c.failover.listen = { address: '203.0.113.3' }; }), [
    `${REL}.partner.address: 203.0.113.3 port 647 is this server's own failover listener (failover.listen)`,
  ]);
});

test('one partner name is one server: one address and port; one address and port is one name', () => {
  const second = (partner: object) => (c: Editable) => {
    c.failover.relationships[0].subnets = ['192.0.2.0/24'];
    c.failover.relationships.push({ name: 'second', mode: 'load-balancing', role: 'primary', partner, key: KEY, subnets: ['198.51.100.0/24'] });
  };
  assert.deepEqual(problemsAfter(second({ name: 'branch-07-b', address: '203.0.113.4' })), [
    '$.failover.relationships[1].partner.address: partner branch-07-b is at 203.0.113.3 in $.failover.relationships[0]: one server has one failover address',
  ]);
  assert.deepEqual(problemsAfter(second({ name: 'branch-07-b', address: '203.0.113.3', port: 648 })), [
    '$.failover.relationships[1].partner.port: partner branch-07-b listens on port 647 in $.failover.relationships[0]: one server has one failover port',
  ]);
  assert.deepEqual(problemsAfter(second({ name: 'branch-07-c', address: '203.0.113.3' })), [
    '$.failover.relationships[1].partner.name: 203.0.113.3 port 647 is partner branch-07-b in $.failover.relationships[0]: one address and port is one server, with one name',
  ]);
  // The same partner in two relationships (one listener, one connection each) is fine.
  const c = baseConfig();
  second({ name: 'branch-07-b', address: '203.0.113.3' })(c);
  assert.equal(load(c).config.failover!.relationships.length, 2);
});

test('maxClockSkew must be less than the MCLT', () => {
  assert.deepEqual(problemsAfter((c) => { Object.assign(c.failover.relationships[0], { mclt: 5 }); }), [
    `${REL}.maxClockSkew: must be less than the MCLT (mclt: 5 s): both partners compute the MCLT deadlines of rules 3 and 4 from each other's times`,
  ]);
  const c = baseConfig();
  Object.assign(c.failover.relationships[0], { mclt: 6 });
  assert.equal(load(c).config.failover!.relationships[0]!.mclt, 6);
});

test('every failover error is reported at once, together with dhcp errors', () => {
  const problems = problemsAfter((c) => {
    c.dhcp.subnets[0].pools[0].end = '192.0.2.50';
    const r = c.failover.relationships[0];
    r.role = 'secondary';
    r.key = 'x';
    r.partner.name = 'branch-07-a';
    r.subnets.push('203.0.113.0/24');
  });
  assert.deepEqual(problems.map((p) => p.split(':')[0]), [
    '$.dhcp.subnets[0].pools[0].end',
    `${REL}.role`,
    `${REL}.key`,
    `${REL}.partner.name`,
    `${REL}.subnets[2]`,
  ]);
});

// ---------------------------------------------------------------------------
// Warnings

function splitScope(role: 'primary' | 'secondary', split?: number) {
  return (c: Editable) => {
    const r = c.failover.relationships[0];
    Object.assign(r, { mode: 'split-scope', role }, split === undefined ? {} : { split });
    delete r.partner; delete r.key;
  };
}

test('split-scope: every subnet warns with the figures of this server\'s share', () => {
  assert.deepEqual(warningsAfter(splitScope('primary')), [
    `FAILOVER_SPLIT_SCOPE_OVERSUBSCRIBED ${REL}.subnets[0]: split-scope, primary with split 50 %: if the partner is down, this server has 50 of the 100 pool addresses of 192.0.2.0/24 for up to 100 clients (oversubscribed 2×)`,
    `FAILOVER_SPLIT_SCOPE_OVERSUBSCRIBED ${REL}.subnets[1]: split-scope, primary with split 50 %: if the partner is down, this server has 40 of the 80 pool addresses of 198.51.100.0/24 for up to 80 clients (oversubscribed 2×)`,
  ]);
  assert.deepEqual(warningsAfter(splitScope('secondary', 80)), [
    `FAILOVER_SPLIT_SCOPE_OVERSUBSCRIBED ${REL}.subnets[0]: split-scope, secondary with split 80 %: if the partner is down, this server has 20 of the 100 pool addresses of 192.0.2.0/24 for up to 100 clients (oversubscribed 5×)`,
    `FAILOVER_SPLIT_SCOPE_OVERSUBSCRIBED ${REL}.subnets[1]: split-scope, secondary with split 80 %: if the partner is down, this server has 16 of the 80 pool addresses of 198.51.100.0/24 for up to 80 clients (oversubscribed 5×)`,
  ]);
  const [first] = warningsAfter(splitScope('primary', 70));
  assert.match(first!, /has 70 of the 100 pool addresses .* \(oversubscribed 1\.43×\)$/);
});

test('split-scope: a one-address pool the partner owns leaves this server none; a subnet without pools does not warn', () => {
  const w = warningsAfter((c) => {
    splitScope('secondary', 60)(c);
    c.dhcp.subnets[0].pools = [{ start: '192.0.2.100', end: '192.0.2.100' }];
    c.dhcp.subnets[1].pools = [];
  });
  assert.deepEqual(w, [`FAILOVER_SPLIT_SCOPE_OVERSUBSCRIBED ${REL}.subnets[0]: split-scope, secondary with split 60 %: if the partner is down, this server owns none of the 1 pool addresses of 192.0.2.0/24: its clients get no address`]);
});

test('a hot-standby standby with fewer than 8 addresses of a pool warns', () => {
  assert.deepEqual(warningsAfter((c) => { c.failover.relationships[0].standbyReserve = 5; }), [
    `FAILOVER_STANDBY_RESERVE_SMALL ${REL}.standbyReserve: the standby owns only 4 addresses of pool 198.51.100.10–198.51.100.89 in 198.51.100.0/24 (and pools of 1 more subnet) for new clients while it serves alone (fewer than 8): raise standbyReserve or widen the pool`,
  ]);
  assert.deepEqual(warningsAfter((c) => { c.failover.relationships[0].standbyReserve = 16; }), []);
  // Also on the standby itself: the warning is about the relationship.
  assert.equal(warningsAfter((c) => { Object.assign(c.failover.relationships[0], { role: 'standby', standbyReserve: 1 }); }).length, 1);
});

test('standby in more than 5 hot-standby relationships warns', () => {
  const manyToOne = (n: number) => (c: Editable) => {
    c.dhcp.subnets = Array.from({ length: n }, (_, i) => ({ id: i + 1, subnet: `198.51.100.${i * 32}/27`, pools: [{ start: `198.51.100.${i * 32 + 2}`, end: `198.51.100.${i * 32 + 30}` }] }));
    c.failover.relationships = Array.from({ length: n }, (_, i) => ({
      name: `branch-0${i + 1}`, mode: 'hot-standby', role: 'standby', standbyReserve: 50,
      partner: { name: `branch-0${i + 1}-a`, address: `203.0.113.${10 + i}` }, key: KEY, subnets: [`198.51.100.${i * 32}/27`],
    }));
  };
  assert.deepEqual(warningsAfter(manyToOne(5)), []);
  assert.deepEqual(warningsAfter(manyToOne(6)), [
    'FAILOVER_MANY_TO_ONE_RATIO $.failover.relationships: this server is standby in 6 hot-standby relationships; at most 5 are recommended: when several primaries fail together (a power cut, a WAN outage) it serves all their clients alone',
  ]);
});

// ---------------------------------------------------------------------------
// The relationship hash

/** The partner's mirror of the base config: same relationship, roles swapped. */
function mirror(edit: (c: Editable) => void = () => {}): Editable {
  const c = baseConfig();
  c.server.name = 'branch-07-b';
  c.dhcp.interfaces[0].address = '203.0.113.3';
  const r = c.failover.relationships[0];
  Object.assign(r, { role: 'standby', partner: { name: 'branch-07-a', address: '203.0.113.2' }, subnets: [...r.subnets].reverse(), heartbeatInterval: 500 });
  c.dhcp.subnets.reverse();
  edit(c);
  return c;
}

function hashOf(c: Editable): string {
  const { config } = load(c);
  return relationshipHash(relationshipParameters(config, config.failover!.relationships[0]!)).toString('hex');
}

test('both partners compute the same parameters and hash from their own configs', () => {
  const a = load(baseConfig()).config;
  const b = load(mirror()).config;
  const pa = relationshipParameters(a, a.failover!.relationships[0]!);
  const pb = relationshipParameters(b, b.failover!.relationships[0]!);
  assert.deepEqual(pa, pb);
  assert.deepEqual(pa, {
    name: 'branch-07',
    mode: 'hot-standby',
    split: null,
    standbyReserve: 10,
    mclt: 3600,
    servers: { primary: 'branch-07-a', partner: 'branch-07-b' },
    subnets: [
      { subnet: '192.0.2.0/24', pools: [{ start: '192.0.2.100', end: '192.0.2.199' }] },
      { subnet: '198.51.100.0/24', pools: [{ start: '198.51.100.10', end: '198.51.100.89' }] },
    ],
  });
  const h = relationshipHash(pa);
  assert.equal(h.length, 32);
  assert.equal(hashOf(baseConfig()), hashOf(mirror()));
});

test('a change of a shared parameter changes the hash; a local timer, the key or an unused knob does not', () => {
  const base = hashOf(mirror());
  const differs = (edit: (c: Editable) => void) => assert.notEqual(hashOf(mirror(edit)), base);
  const same = (edit: (c: Editable) => void) => assert.equal(hashOf(mirror(edit)), base);
  differs((c) => { c.failover.relationships[0].mclt = 1800; });
  differs((c) => { c.failover.relationships[0].standbyReserve = 20; });
  differs((c) => { c.failover.relationships[0].subnets = ['192.0.2.0/24']; });
  differs((c) => { c.failover.relationships[0].name = 'branch-07-x'; });
  differs((c) => { c.failover.relationships[0].partner.name = 'branch-07-c'; });
  differs((c) => { c.dhcp.subnets[0].pools[0].end = '198.51.100.60'; });
  same((c) => { c.failover.relationships[0].heartbeatInterval = 2000; });
  same((c) => { c.failover.relationships[0].key = Buffer.alloc(32, 9).toString('base64'); });
  same((c) => { c.failover.relationships[0].split = 70; }); // not used in hot-standby
  // load-balancing: split is shared.
  const lb = (split: number) => (c: Editable) => { Object.assign(c.failover.relationships[0], { mode: 'load-balancing', role: 'secondary', split }); };
  assert.notEqual(hashOf(mirror(lb(50))), hashOf(mirror(lb(60))));
  assert.equal(hashOf(mirror(lb(50))), hashOf((() => { const c = baseConfig(); Object.assign(c.failover.relationships[0], { mode: 'load-balancing', split: 50 }); return c; })()));
});

// ---------------------------------------------------------------------------
// Ownership

test('ownership: every size 1..300 × split 1..99 is disjoint, covers the pool, and gives the primary its share within one address', () => {
  const modes: [FailoverMode, number, number][] = [];
  for (let s = 1; s <= 99; s++) modes.push(['load-balancing', s, 10]);
  for (let r = 1; r <= 50; r++) modes.push(['hot-standby', 50, r]);
  const base = 0xc0000200; // 192.0.2.0: numbers near the top bit, as real addresses are
  for (let size = 1; size <= 300; size++) {
    const pool = { first: base, last: base + size - 1 };
    for (const [mode, split, reserve] of modes) {
      const share = mode === 'hot-standby' ? 100 - reserve : split;
      const partnerRole: FailoverRole = mode === 'hot-standby' ? 'standby' : 'secondary';
      const p = ownedRange(pool, mode, 'primary', split, reserve);
      const q = ownedRange(pool, mode, partnerRole, split, reserve);
      const where = `size ${size}, ${mode}, share ${share}`;
      assert.equal(spanSize(p) + spanSize(q), size, `cover: ${where}`);
      if (p !== undefined) assert.equal(p.first, pool.first, where);
      if (q !== undefined) assert.equal(q.last, pool.last, where);
      if (p !== undefined && q !== undefined) assert.equal(q.first, p.last + 1, `disjoint and contiguous: ${where}`);
      if (size >= 2) assert.ok(p !== undefined && q !== undefined, `both parts non-empty: ${where}`);
      assert.ok(Math.abs(spanSize(p) - (size * share) / 100) <= 1, `share: ${where}: ${spanSize(p)}`);
    }
  }
});

test('ownership: split-scope splits as load-balancing; known values; the engine sees the same function', () => {
  const pool = { first: 100, last: 199 };
  assert.deepEqual(ownedRange(pool, 'split-scope', 'primary', 50, 10), { first: 100, last: 149 });
  assert.deepEqual(ownedRange(pool, 'split-scope', 'secondary', 50, 10), { first: 150, last: 199 });
  assert.deepEqual(ownedRange(pool, 'hot-standby', 'primary', 50, 10), { first: 100, last: 189 });
  assert.deepEqual(ownedRange(pool, 'hot-standby', 'standby', 50, 10), { first: 190, last: 199 });
  assert.deepEqual(ownedRange({ first: 7, last: 7 }, 'load-balancing', 'primary', 50, 10), { first: 7, last: 7 });
  assert.equal(ownedRange({ first: 7, last: 7 }, 'load-balancing', 'secondary', 50, 10), undefined);
  assert.equal(ownedRange({ first: 7, last: 7 }, 'load-balancing', 'primary', 49, 10), undefined);
  assert.deepEqual(ownedRange({ first: 0, last: 0xffffffff }, 'load-balancing', 'secondary', 50, 10), { first: 0x80000000, last: 0xffffffff });
  assert.equal(primaryCount(2, 1), 1);
  assert.equal(primaryCount(2, 99), 1);
  assert.equal(primaryCount(0, 50), 0);
  assert.throws(() => primaryCount(10, 0), RangeError);
  assert.throws(() => ownedRange({ first: 2, last: 1 }, 'split-scope', 'primary', 50, 10), RangeError);
  assert.equal(engineOwnedRange, ownedRange);
});

// ---------------------------------------------------------------------------
// The examples

test('the failover examples load without warnings; the mirrored pair computes one hash', () => {
  const read = (name: string) => {
    const r = parseSiteConfig(readFileSync(join(repoRoot, 'examples', name), 'utf8'));
    assert.ok(r.ok);
    assert.deepEqual(r.loaded.warnings, [], name);
    return r.loaded.config;
  };
  const hash = (c: ReturnType<typeof read>, i = 0) => relationshipHash(relationshipParameters(c, c.failover!.relationships[i]!)).toString('hex');
  const primary = read('failover-hot-standby-primary.jsonc');
  const standby = read('failover-hot-standby-standby.jsonc');
  assert.equal(hash(primary), hash(standby));
  const hub = read('failover-many-to-one.jsonc');
  assert.equal(hub.failover!.relationships.filter((r) => r.role === 'standby').length, 5);
  assert.equal(new Set(hub.failover!.relationships.map((_, i) => hash(hub, i))).size, 5);
});
