// The manager's DNS objects (test/support/manager-dns-suite.ts) over HTTP against the real
// `outpost manager run --database postgresql://…` on a real PostgreSQL server.
import { dnsSuite } from '../support/manager-dns-suite.js';
import { startManager } from '../support/manager-api-suite.js';
import { startPostgres } from '../support/postgres-server.js';

dnsSuite('PostgreSQL', async () => {
  const server = await startPostgres();
  try {
    const manager = await startManager(server.createDatabase('dns'));
    return { ...manager, stop: async () => { await manager.stop(); await server.stop(); } };
  } catch (error) {
    await server.stop();
    throw error;
  }
});
