// The manager's IPAM storage suite (test/support/manager-ipam-suite.ts) on a real
// PostgreSQL server (Debian's postgresql, started by the test): a database per test.
import { after, before } from 'node:test';
import { openManagerDatabase } from '../../src/storage/manager/database.js';
import { ipamSuite } from '../support/manager-ipam-suite.js';
import { startPostgres, type PostgresServer } from '../support/postgres-server.js';

let server: PostgresServer;
let n = 0;
before(async () => { server = await startPostgres(); });
after(async () => { await server?.stop(); });

ipamSuite({
  name: 'PostgreSQL',
  open: () => openManagerDatabase({ kind: 'postgres', connectionString: server.createDatabase(`ipam_${++n}`) }),
});
