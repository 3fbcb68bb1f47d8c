// Bulk requests over HTTP against a running `outpost manager run`, for every backend
// (SQLite in the system tier, a real PostgreSQL server in the lab tier): operations that
// use earlier answers ("$0.id"), all or nothing when one fails (nothing of the others is
// left, not even its audit entries), each operation under its own access check, and
// the envelope's own refusals.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { client, type RunningManager } from './manager-api-suite.js';

export function bulkSuite(name: string, start: () => Promise<RunningManager>): void {
  let m: RunningManager;
  let admin: ReturnType<typeof client>;
  before(async () => {
    m = await start();
    admin = client(`${m.url}/api/v1`, m.adminToken);
  });
  after(async () => { await m?.stop(); });

  const bulk = (operations: unknown[], as = admin) => as('POST', '/bulk', { operations });

  test(`${name}: a bulk request builds a space, a subnet, a pool and an address from each other's answers, in one transaction`, async () => {
    const r = await bulk([
      { method: 'POST', path: '/ip-spaces', body: { name: 'bulk-a' } },
      { method: 'POST', path: '/subnets', body: { spaceId: '$0.id', prefix: '198.51.100.0/24', description: 'made in bulk' } },
      { method: 'POST', path: '/subnets/$1.id/ranges', body: { kind: 'pool', start: '198.51.100.100', end: '198.51.100.199' } },
      { method: 'POST', path: '/subnets/$1.id/next-free-address', body: { kind: 'static', hostname: 'gw' }, idempotencyKey: 'bulk-gw' },
      { method: 'GET', path: '/subnets?spaceId=$0.id' },
      { method: 'PATCH', path: '/subnets/$1.id', body: { description: 'changed in bulk' }, ifMatch: '"1"' },
    ]);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.results.map((x: { status: number }) => x.status), [201, 201, 201, 201, 200, 200]);
    const [space, subnet, , address, listed, patched] = r.body.results.map((x: { body: unknown }) => x.body);
    assert.equal(address.address, '198.51.100.1');
    assert.deepEqual(listed.items.map((s: { id: number }) => s.id), [subnet.id], 'a read inside sees the writes before it');
    assert.equal(patched.description, 'changed in bulk');
    assert.equal((await admin('GET', `/subnets/${subnet.id}`)).body.description, 'changed in bulk');
    const audit = await admin('GET', `/audit?objectType=subnet&objectId=${subnet.id}`);
    assert.deepEqual(audit.body.items.map((e: { action: string; actor: string }) => e.action), ['create', 'update'], 'each operation is audited as it would be alone');
    assert.ok(space.id > 0);
  });

  test(`${name}: the first failing operation rolls back every one and is the answer, with its index, code and field`, async () => {
    const before = await admin('GET', '/audit?limit=1000');
    const r = await bulk([
      { method: 'POST', path: '/ip-spaces', body: { name: 'bulk-b' } },
      { method: 'POST', path: '/sites', body: { name: 'bulk-b-site' } },
      { method: 'POST', path: '/subnets', body: { spaceId: '$0.id', prefix: '198.51.100.7/24' } },
    ]);
    assert.equal(r.status, 422, JSON.stringify(r.body));
    assert.deepEqual([r.body.error.code, r.body.error.index, r.body.error.field], ['MANAGER_INVALID', 2, 'prefix']);
    assert.match(r.body.error.message, /^operation 2 \(POST \/subnets\): .*host bits.*; nothing was written$/);
    const spaces = (await admin('GET', '/ip-spaces?limit=1000')).body.items.map((s: { name: string }) => s.name);
    const sites = (await admin('GET', '/sites?limit=1000')).body.items.map((s: { name: string }) => s.name);
    assert.ok(!spaces.includes('bulk-b') && !sites.includes('bulk-b-site'), 'nothing of the earlier operations is left');
    assert.equal((await admin('GET', '/audit?limit=1000')).body.items.length, before.body.items.length, 'nor their audit entries');

    const stale = await bulk([
      { method: 'POST', path: '/sites', body: { name: 'bulk-c-site' } },
      { method: 'PATCH', path: '/subnets/1', body: { description: 'x' }, ifMatch: '"99"' },
    ]);
    assert.deepEqual([stale.status, stale.body.error.code, stale.body.error.index], [412, 'MANAGER_VERSION_MISMATCH', 1]);
    const unknown = await bulk([{ method: 'POST', path: '/sites', body: { name: 'bulk-d', colour: 'red' } }]);
    assert.deepEqual([unknown.status, unknown.body.error.code, unknown.body.error.field, unknown.body.error.index], [400, 'API_INVALID_REQUEST', 'body.colour', 0]);
    const missing = await bulk([{ method: 'GET', path: '/subnets/999999' }]);
    assert.deepEqual([missing.status, missing.body.error.code], [404, 'MANAGER_NOT_FOUND']);
  });

  test(`${name}: each operation is checked against its token's role and scope; the envelope's own refusals name the field`, async () => {
    const ro = await admin('POST', '/users', { name: 'bulk-auditor', role: 'read-only' });
    const roToken = (await admin('POST', `/users/${ro.body.id}/tokens`, { name: 'bulk-ro', scope: 'read' })).body.secret as string;
    const asRo = client(`${m.url}/api/v1`, roToken);
    const reads = await bulk([{ method: 'GET', path: '/sites' }, { method: 'GET', path: '/ip-spaces' }], asRo);
    assert.equal(reads.status, 200, 'a reader may read in bulk');
    const write = await bulk([{ method: 'GET', path: '/sites' }, { method: 'POST', path: '/sites', body: { name: 'bulk-ro-site' } }], asRo);
    assert.deepEqual([write.status, write.body.error.code, write.body.error.index], [403, 'API_FORBIDDEN', 1]);
    assert.equal((await client(`${m.url}/api/v1`)('POST', '/bulk', { operations: [{ method: 'GET', path: '/sites' }] })).status, 401);

    for (const [operations, field] of [
      [[{ method: 'POST', path: '/bulk', body: { operations: [] } }], 'body.operations[0].path'],
      [[], 'body.operations'],
      [Array.from({ length: 1001 }, () => ({ method: 'GET', path: '/sites' })), 'body.operations'],
      [[{ method: 'PUT', path: '/sites' }], 'body.operations.0.method'],
      [[{ method: 'GET', path: 'sites' }], 'body.operations.0.path'],
    ] as const) {
      const r = await bulk(operations as unknown as unknown[]);
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.equal(r.body.error.code, 'API_INVALID_REQUEST');
      assert.equal(r.body.error.field, field);
    }
    const forward = await bulk([{ method: 'POST', path: '/subnets', body: { spaceId: '$1.id', prefix: '203.0.113.0/24' } }, { method: 'POST', path: '/ip-spaces', body: { name: 'bulk-e' } }]);
    assert.deepEqual([forward.status, forward.body.error.index, forward.body.error.field], [400, 0, 'body.operations[0].body.spaceId']);
    assert.match(forward.body.error.message, /does not come before/);
    const noField = await bulk([{ method: 'POST', path: '/ip-spaces', body: { name: 'bulk-f' } }, { method: 'POST', path: '/subnets/$0.nothing/ranges', body: {} }]);
    assert.deepEqual([noField.status, noField.body.error.index, noField.body.error.field], [400, 1, 'body.operations[1].path']);
  });
}
