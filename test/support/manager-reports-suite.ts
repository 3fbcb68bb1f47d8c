// What sites report, over HTTP against a running `outpost manager run`, for every backend
// (SQLite in the system tier, a real PostgreSQL server in the lab tier): agent tokens,
// batches of events stored exactly once (duplicates skipped, gaps kept, bad data kept
// but not projected), lease history and "who held this address then", alerts from
// utilisation, failover and zone states and silent agents, /metrics — and the real
// `outpost site run` agent delivering a phone backup's event to the real manager.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startChild } from './child.js';
import { client, type RunningManager } from './manager-api-suite.js';
import { outpostBin } from './paths.js';

/** The manager under test is started with this: a silent agent's server is unreachable after 10 s. */
export const REPORTS_MANAGER_ARGS = ['--unreachable-after', '10'];
const UNREACHABLE_MS = 10_000;

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function reportsSuite(name: string, start: () => Promise<RunningManager>): void {
  let m: RunningManager;
  let admin: ReturnType<typeof client>;
  let api: string;
  before(async () => {
    m = await start();
    api = `${m.url}/api/v1`;
    admin = client(api, m.adminToken);
  });
  after(async () => { await m?.stop(); });

  const ok = async (method: string, path: string, body?: unknown, status = method === 'POST' ? 201 : 200) => {
    const r = await admin(method, path, body);
    assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const stream = () => randomBytes(16).toString('hex');
  const T0 = Date.now();
  const lease = (address: string, state: string, mac: string, startedAt: number, expiresAt: number, extra: Record<string, unknown> = {}) =>
    ({ kind: 'lease.change', data: { family: 4, address, state, hwAddress: mac, startedAt, expiresAt, ...extra } });
  const batchOf = (site: string, server: string, id: string, first: number, events: { kind: string; data: Record<string, unknown> }[]) =>
    ({ site, server, stream: id, events: events.map((e, i) => ({ seq: first + i, at: T0 + i, ...e })) });

  /** A site with a DHCP server whose agent token is issued; `as` posts batches with it. */
  async function agentSite(siteName: string, serverName: string, address: string) {
    const site = await ok('POST', '/sites', { name: siteName });
    const server = await ok('POST', '/servers', { siteId: site.id, name: serverName, address, roles: ['dhcp', 'dns'] });
    const issued = await ok('POST', `/servers/${server.id}/agent-token`);
    assert.match(issued.token, /^opa_/);
    return { site, server, token: issued.token as string, post: (body: unknown) => client(api, issued.token)('POST', '/agent/events', body) };
  }

  test(`${name}: agent tokens: issued by an administrator, shown once, only for their own server; bad batches refused with the path`, async () => {
    const a = await agentSite('rep-auth', 'rep-auth-a', '192.0.2.20');
    const link = await ok('GET', `/servers/${a.server.id}/agent`);
    assert.equal(link.lastContactAt, null);
    assert.equal(JSON.stringify(link).includes(a.token), false, 'the token is never read back');
    const op = await ok('POST', '/users', { name: 'rep-noc', role: 'operator' });
    const opToken = (await ok('POST', `/users/${op.id}/tokens`, { name: 'rep-op', scope: 'write' })).secret as string;
    assert.equal((await client(api, opToken)('POST', `/servers/${a.server.id}/agent-token`)).status, 403, 'an operator cannot issue agent tokens');

    const id = stream();
    const good = batchOf('rep-auth', 'rep-auth-a', id, 1, [{ kind: 'files.upload', data: { protocol: 'http', path: 'backup/x.cfg', bytes: 1, sha256: 'a'.repeat(64), client: '192.0.2.50', replaced: false } }]);
    const asUser = await client(api, m.adminToken)('POST', '/agent/events', good);
    assert.equal(asUser.status, 401, 'a user token is not an agent token');
    assert.equal((await client(api)('POST', '/agent/events', good)).status, 401);
    const other = await a.post({ ...good, server: 'someone-else' });
    assert.deepEqual([other.status, other.body.error.code], [403, 'API_FORBIDDEN']);
    for (const [body, field] of [
      [{ ...good, stream: 'XYZ' }, '$.stream'],
      [{ ...good, events: [{ ...good.events[0], seq: 0 }] }, '$.events[0].seq'],
      [{ ...good, events: [good.events[0], { ...good.events[0], seq: 3 }] }, '$.events[1].seq'],
      [{ ...good, events: [{ ...good.events[0], kind: 'made.up' }] }, '$.events[0].kind'],
      [{ ...good, extra: 1 }, '$.extra'],
    ] as const) {
      const r = await a.post(body);
      assert.deepEqual([r.status, r.body.error.code, r.body.error.field], [400, 'API_INVALID_REQUEST', field], JSON.stringify(r.body));
    }
    const garbage = await client(api, a.token)('POST', '/agent/events', '{"site": ', { 'content-type': 'application/json' });
    assert.deepEqual([garbage.status, garbage.body.error.code], [400, 'API_INVALID_JSON']);
    assert.equal((await a.post(good)).body.acked, 1);
    const contact = await ok('GET', `/servers/${a.server.id}/agent`);
    assert.ok(contact.lastContactAt >= T0 && contact.lastAddress, JSON.stringify(contact));

    // A new token replaces the old: the old one is refused from then on.
    const again = await ok('POST', `/servers/${a.server.id}/agent-token`);
    assert.equal((await a.post(good)).status, 401);
    assert.equal((await client(api, again.token)('POST', '/agent/events', good)).body.acked, 1);
    await ok('DELETE', `/servers/${a.server.id}/agent-token`, undefined, 204);
    assert.equal((await client(api, again.token)('POST', '/agent/events', good)).status, 401);
    const trail = await ok('GET', `/audit?objectType=agent%20token&objectId=${a.server.id}`);
    assert.deepEqual(trail.items.map((e: { action: string }) => e.action), ['create', 'update', 'delete']);
    assert.equal(JSON.stringify(trail).includes('opa_'), false, 'the audit never holds a token');
  });

  test(`${name}: events are stored exactly once and in order: a batch sent again, a gap, data that is not its kind's shape`, async () => {
    const a = await agentSite('rep-once', 'rep-once-a', '192.0.2.21');
    const id = stream();
    const events = [
      lease('198.51.100.40', 'bound', '0000000000a1', T0, T0 + 3_600_000),
      { kind: 'failover.state', data: { relationship: 'rep-pair', state: 'normal', partnerState: 'normal' } },
      { kind: 'zone.state', data: { zone: 'voice.example.', state: 'fresh', serial: 7 } },
      lease('198.51.100.41', 'bound', 'XYZ', T0, T0 + 3_600_000), // not hex: kept, not projected
    ];
    const first = await a.post(batchOf('rep-once', 'rep-once-a', id, 1, events));
    assert.deepEqual([first.status, first.body], [200, { acked: 4 }]);
    assert.deepEqual((await a.post(batchOf('rep-once', 'rep-once-a', id, 1, events))).body, { acked: 4 }, 'a batch sent again is acknowledged, not stored again');
    assert.deepEqual((await a.post(batchOf('rep-once', 'rep-once-a', id, 3, [...events.slice(2), lease('198.51.100.42', 'bound', '0000000000a2', T0, T0 + 3_600_000)]))).body, { acked: 5 }, 'overlapping: only the new one');
    assert.deepEqual((await a.post(batchOf('rep-once', 'rep-once-a', id, 9, [lease('198.51.100.43', 'bound', '0000000000a3', T0, T0 + 3_600_000)]))).body, { acked: 9 }, 'a gap: stored, reported');
    const other = stream(); // a new outbox (a replaced disk) numbers from 1 again
    assert.deepEqual((await a.post(batchOf('rep-once', 'rep-once-a', other, 1, [lease('198.51.100.44', 'bound', '0000000000a4', T0, T0 + 3_600_000)]))).body, { acked: 1 });

    const stored = await ok('GET', `/site-events?serverId=${a.server.id}`);
    assert.deepEqual(stored.items.map((e: { stream: string; seq: number; kind: string }) => [e.stream === id ? 'first' : 'second', e.seq, e.kind]),
      [['first', 1, 'lease.change'], ['first', 2, 'failover.state'], ['first', 3, 'zone.state'], ['first', 4, 'lease.change'], ['first', 5, 'lease.change'], ['first', 9, 'lease.change'], ['second', 1, 'lease.change']]);
    const kinds = await ok('GET', `/site-events?siteId=${a.site.id}&kind=zone.state`);
    assert.deepEqual(kinds.items.map((e: { data: { serial: number } }) => e.data.serial), [7]);
    const page1 = await ok('GET', `/site-events?serverId=${a.server.id}&limit=4`);
    const page2 = await ok('GET', `/site-events?serverId=${a.server.id}&limit=4&after=${page1.next}`);
    assert.equal(page1.items.length + page2.items.length, 7);
    assert.equal(page2.next, null);
    // The bad lease is kept as received but is in no lease history.
    assert.equal(stored.items[3].data.hwAddress, 'XYZ');
    assert.deepEqual((await ok('GET', '/leases/history?address=198.51.100.41')).items, []);
    assert.equal((await ok('GET', '/leases/history?address=198.51.100.40')).items.length, 1);
  });

  test(`${name}: lease history answers who held an address when, by address, client and time`, async () => {
    const a = await agentSite('rep-hist', 'rep-hist-a', '192.0.2.22');
    const H = 3_600_000;
    const addr = '203.0.113.23';
    await a.post(batchOf('rep-hist', 'rep-hist-a', stream(), 1, [
      lease(addr, 'bound', '00000000b001', T0 - 10 * H, T0 - 9 * H, { hostname: 'phone-1' }),
      lease(addr, 'released', '00000000b001', T0 - 9.5 * H, T0 - 9.5 * H),
      lease(addr, 'bound', '00000000b002', T0 - 8 * H, T0 + H, { hostname: 'phone-2' }),
      lease('203.0.113.24', 'bound', '00000000b001', T0 - 8 * H, T0 + H),
    ]));
    const all = await ok('GET', `/leases/history?address=${addr}`);
    assert.deepEqual(all.items.map((l: { state: string; mac: string }) => [l.state, l.mac]), [['bound', '00:00:00:00:b0:01'], ['released', '00:00:00:00:b0:01'], ['bound', '00:00:00:00:b0:02']]);
    const byMac = await ok('GET', '/leases/history?mac=00:00:00:00:B0:01');
    assert.deepEqual(byMac.items.map((l: { address: string; state: string }) => [l.address, l.state]), [[addr, 'bound'], [addr, 'released'], ['203.0.113.24', 'bound']]);
    const window = await ok('GET', `/leases/history?address=${addr}&since=${T0 - 9 * H}&until=${T0}`);
    assert.deepEqual(window.items.map((l: { hostname: string }) => l.hostname), ['phone-2']);
    assert.deepEqual((await ok('GET', '/leases/history?hostname=phone-1')).items.map((l: { address: string }) => l.address), [addr]);

    const at = async (t: number) => (await ok('GET', `/leases/holders?address=${addr}&at=${t}`)).items.map((h: { siteId: number; held: boolean; lease: { mac: string } }) => [h.siteId, h.held, h.lease.mac]);
    assert.deepEqual(await at(T0 - 9.8 * H), [[a.site.id, true, '00:00:00:00:b0:01']]);
    assert.deepEqual(await at(T0 - 9 * H), [[a.site.id, false, '00:00:00:00:b0:01']], 'released');
    assert.deepEqual(await at(T0 - H), [[a.site.id, true, '00:00:00:00:b0:02']]);
    assert.deepEqual(await at(T0 - 11 * H), [], 'before any lease');
    const bad = await admin('GET', '/leases/history?address=not-an-address');
    assert.deepEqual([bad.status, bad.body.error.code, bad.body.error.field], [422, 'MANAGER_INVALID', 'address']);
  });

  test(`${name}: alerts from pool and subnet utilisation with thresholds, failover and zone states, in the API and /metrics`, async () => {
    const a = await agentSite('rep-alert', 'rep-alert-a', '192.0.2.23');
    const space = await ok('POST', '/ip-spaces', { name: 'rep-alert' });
    const subnet = await ok('POST', '/subnets', { spaceId: space.id, prefix: '198.51.100.0/24', siteId: a.site.id });
    const pool = await ok('POST', `/subnets/${subnet.id}/ranges`, { kind: 'pool', start: '198.51.100.100', end: '198.51.100.109' });
    const exclusion = await ok('POST', `/subnets/${subnet.id}/ranges`, { kind: 'exclusion', start: '198.51.100.200', end: '198.51.100.201' });
    const id = stream();
    let seq = 1;
    const send = async (events: { kind: string; data: Record<string, unknown> }[]) => {
      const r = await a.post(batchOf('rep-alert', 'rep-alert-a', id, seq, events));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      seq += events.length;
    };
    const mine = async (q = '') => (await ok('GET', `/alerts?siteId=${a.site.id}${q}`)).items as { key: string; kind: string; severity: string; message: string; since: number | null }[];

    // 8 of 10 bound now, one more bound but expired, one released: 80 % — the built-in warning.
    await send([
      ...Array.from({ length: 8 }, (_, i) => lease(`198.51.100.${100 + i}`, 'bound', `0000000000c${i}`, T0, T0 + 3_600_000)),
      lease('198.51.100.108', 'bound', '0000000000d8', T0 - 7_200_000, T0 - 3_600_000),
      lease('198.51.100.109', 'released', '0000000000d9', T0, T0),
    ]);
    const use = await ok('GET', `/subnets/${subnet.id}/utilisation`);
    assert.deepEqual([use.size, use.used, use.free, use.thresholds], ['254', '12', '242', null], 'the pool and the exclusion are used; no thresholds of its own');
    assert.deepEqual(use.pools.map((p: { rangeId: number; size: number; leased: number; percent: number; thresholds: { from: string } }) => [p.rangeId, p.size, p.leased, p.percent, p.thresholds.from]), [[pool.id, 10, 8, 80, 'built-in']]);
    assert.deepEqual((await mine()).map((x) => [x.key, x.severity]), [[`pool-utilisation/range/${pool.id}`, 'warning']]);

    // Thresholds: of the pool (critical at 75), of the subnet (warning at 4 %), and their refusals.
    const poolLimit = await ok('POST', '/utilisation-thresholds', { rangeId: pool.id, warning: 50, critical: 75 });
    await ok('POST', '/utilisation-thresholds', { subnetId: subnet.id, warning: 4, critical: 90 });
    for (const [body, status, code, field] of [
      [{ rangeId: pool.id, subnetId: subnet.id }, 422, 'MANAGER_INVALID', 'rangeId'],
      [{ rangeId: exclusion.id }, 422, 'MANAGER_INVALID', 'rangeId'],
      [{ subnetId: subnet.id, warning: 90, critical: 80 }, 422, 'MANAGER_INVALID', 'warning'],
      [{ rangeId: pool.id }, 409, 'MANAGER_CONFLICT', 'rangeId'],
      [{ subnetId: 999_999 }, 422, 'MANAGER_INVALID', 'subnetId'],
      [{ rangeId: pool.id, warning: 101 }, 400, 'API_INVALID_REQUEST', 'body.warning'],
    ] as const) {
      const r = await admin('POST', '/utilisation-thresholds', body);
      assert.deepEqual([r.status, r.body.error.code, r.body.error.field], [status, code, field], JSON.stringify(r.body));
    }
    const byKey = async () => Object.fromEntries((await mine()).map((x) => [x.key, x.severity]));
    assert.deepEqual(await byKey(), { [`pool-utilisation/range/${pool.id}`]: 'critical', [`subnet-utilisation/subnet/${subnet.id}`]: 'warning' });
    // The pool's own threshold relaxed by a merge patch: back to a warning.
    await ok('PATCH', `/utilisation-thresholds/${poolLimit.id}`, { critical: 85 }, 200);
    assert.equal((await byKey())[`pool-utilisation/range/${pool.id}`], 'warning');
    // A lease released: 7 of 10, below 50 %? no: 70 % ≥ 50 — still a warning; two more released: 60 %; then 40 %: none.
    await send(['100', '101', '102', '103'].map((n) => lease(`198.51.100.${n}`, 'released', '0000000000c0', T0 + 1000, T0 + 1000)));
    assert.equal((await byKey())[`pool-utilisation/range/${pool.id}`], undefined, '4 of 10 leased: below the warning');

    // Failover and zone states: the bad ones raise alerts; back to normal clears them.
    await send([
      { kind: 'failover.state', data: { relationship: 'rep-pair', state: 'partner-down', partnerState: 'unknown', cause: 'operator' } },
      { kind: 'zone.state', data: { zone: 'Voice.Example.', state: 'stale', serial: 9, refreshedAt: T0 - 100 } },
      { kind: 'zone.state', data: { zone: 'other.example.', state: 'fresh', serial: 3 } },
    ]);
    const states = await mine();
    assert.deepEqual(states.filter((x) => x.kind !== 'subnet-utilisation').map((x) => [x.key, x.severity]),
      [['failover-state/rep-alert-a/rep-pair', 'critical'], ['zone-state/rep-alert-a/voice.example', 'warning']]);
    assert.ok(states.every((x) => x.kind === 'subnet-utilisation' || x.since !== null));
    assert.deepEqual((await mine('&kind=failover-state&severity=critical')).map((x) => x.kind), ['failover-state']);
    assert.deepEqual(await mine('&severity=critical&kind=zone-state'), []);

    const metricsText = async (token?: string) => {
      const r = await fetch(`${m.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      return { status: r.status, text: await r.text() };
    };
    assert.equal((await metricsText()).status, 401, '/metrics needs a token');
    const { status, text } = await metricsText(m.adminToken);
    assert.equal(status, 200);
    assert.match(text, /outpost_manager_alerts\{kind="failover-state",severity="critical"\} 1/);
    assert.match(text, /outpost_manager_alerts\{kind="zone-state",severity="warning"\} 1/);
    assert.match(text, new RegExp(`outpost_manager_pool_utilisation_ratio\\{range_id="${pool.id}",subnet="198.51.100.0/24",start="198.51.100.100",end="198.51.100.109",site_id="${a.site.id}"\\} 0.4`));
    assert.match(text, new RegExp(`outpost_manager_subnet_utilisation_ratio\\{subnet_id="${subnet.id}",subnet="198.51.100.0/24",site_id="${a.site.id}"\\} 0.0472`));
    assert.match(text, /outpost_manager_failover_state\{site="rep-alert",server="rep-alert-a",relationship="rep-pair",state="partner-down"\} 1/);
    assert.match(text, /outpost_manager_zone_state\{site="rep-alert",server="rep-alert-a",zone="voice.example",state="stale"\} 1/);
    assert.match(text, /outpost_manager_agent_last_contact_timestamp_seconds\{site="rep-alert",server="rep-alert-a"\} \d{10}/);
    assert.match(text, /outpost_process_cpu_seconds_total/);

    await send([
      { kind: 'failover.state', data: { relationship: 'rep-pair', state: 'normal', partnerState: 'normal' } },
      { kind: 'zone.state', data: { zone: 'voice.example', state: 'fresh', serial: 10 } },
    ]);
    assert.deepEqual((await mine()).map((x) => x.kind), ['subnet-utilisation'], 'states back to normal clear their alerts');
    assert.match((await metricsText(m.adminToken)).text, /outpost_manager_failover_state\{site="rep-alert",server="rep-alert-a",relationship="rep-pair",state="normal"\} 1/);
  });

  test(`${name}: a server whose agent stays silent is unreachable, and a site none of whose servers is heard from`, { timeout: 60_000 }, async () => {
    const silent = await agentSite('rep-silent', 'rep-silent-a', '192.0.2.24');
    const talking = await agentSite('rep-talking', 'rep-talking-a', '192.0.2.25');
    const issuedAt = Date.now();
    const id = stream();
    let seq = 1;
    const keys = async () => (await ok('GET', '/alerts')).items.map((x: { key: string }) => x.key).filter((k: string) => /unreachable/.test(k) && /rep-(silent|talking)/.test(k)).sort();
    assert.deepEqual(await keys(), []);
    // The talking agent delivers every 2 s; the silent one never does.
    const alerts = await until('the silent server unreachable', async () => {
      await talking.post(batchOf('rep-talking', 'rep-talking-a', id, seq++, [{ kind: 'zone.state', data: { zone: 'v.example', state: 'fresh' } }]));
      const k = await keys();
      if (k.length === 0) {
        assert.ok(Date.now() - issuedAt < UNREACHABLE_MS + 5_000, 'no alert well past --unreachable-after');
        await new Promise((r) => setTimeout(r, 2000));
        return undefined;
      }
      return k;
    }, 40_000);
    assert.ok(Date.now() - issuedAt >= UNREACHABLE_MS, 'not before --unreachable-after');
    assert.deepEqual(alerts, ['server-unreachable/rep-silent-a', 'site-unreachable/rep-silent']);
    const site = (await ok('GET', `/alerts?siteId=${silent.site.id}&kind=site-unreachable`)).items[0];
    assert.equal(site.severity, 'critical');
    // Heard from again: both clear.
    await silent.post(batchOf('rep-silent', 'rep-silent-a', stream(), 1, [{ kind: 'zone.state', data: { zone: 'v.example', state: 'fresh' } }]));
    assert.deepEqual(await keys(), []);
  });

  test(`${name}: the real site daemon's agent delivers a phone backup's event to the manager with the token it issued`, { timeout: 60_000 }, async () => {
    const a = await agentSite('rep-real', 'rep-real-a', '192.0.2.26');
    const dir = mkdtempSync(join(tmpdir(), 'outpost-reports-site-'));
    const child = (() => {
      mkdirSync(join(dir, 'root'));
      writeFileSync(join(dir, 'agent.token'), `${a.token}\n`, { mode: 0o600 });
      writeFileSync(join(dir, 'site.json'), JSON.stringify({
        version: 1, site: { name: 'rep-real' }, server: { name: 'rep-real-a' }, status: { listen: '127.0.0.1', port: 0 },
        files: { root: 'root', dataDir: 'files-data', http: { listen: [{ address: '127.0.0.1', port: 0 }], uploads: { paths: ['backup/'] }, accessLog: false } },
        agent: { managers: [{ url: m.url }], tokenFile: 'agent.token', dataDir: 'agent-data', delivery: { retryMin: 1, retryMax: 1 } },
      }));
      return startChild(process.execPath, [outpostBin, 'site', 'run', '--config', join(dir, 'site.json')]);
    })();
    try {
      const http = (await child.waitFor(/"code":"FILES_HTTP_LISTENING".*?"port":(\d+)/))[1]!;
      await child.waitFor(/"code":"SITE_READY"/);
      const put = await fetch(`http://127.0.0.1:${http}/backup/SEP00AABBCCDD01.cfg`, { method: 'PUT', body: '<backup/>' });
      assert.ok(put.status === 201 || put.status === 204, String(put.status));
      const events = await until('the upload event at the manager', async () => {
        const page = await ok('GET', `/site-events?siteId=${a.site.id}`);
        return page.items.length > 0 ? page.items : undefined;
      });
      assert.deepEqual(events.map((e: { seq: number; kind: string; server: string; data: { path: string } }) => [e.seq, e.kind, e.server, e.data.path]), [[1, 'files.upload', 'rep-real-a', 'backup/SEP00AABBCCDD01.cfg']]);
    } finally {
      child.kill();
      await child.exit().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
