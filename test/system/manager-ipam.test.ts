// The manager's IPAM storage suite (test/support/manager-ipam-suite.ts) on SQLite, the
// embedded default: a database file in a temporary directory per test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openManagerDatabase } from '../../src/storage/manager/database.js';
import { ipamSuite } from '../support/manager-ipam-suite.js';

ipamSuite({
  name: 'SQLite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-manager-'));
    const m = await openManagerDatabase({ kind: 'sqlite', file: join(dir, 'manager.sqlite') });
    return { ...m, close: async () => { await m.close(); rmSync(dir, { recursive: true, force: true }); } };
  },
});
