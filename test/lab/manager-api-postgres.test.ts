// The manager's REST API (test/support/manager-api-suite.ts) over HTTP against the real
// `outpost manager run --database postgresql://…` on a real PostgreSQL server.
import { apiSuite, startManager } from '../support/manager-api-suite.js';
import { startPostgres } from '../support/postgres-server.js';

apiSuite('PostgreSQL', async () => {
  const server = await startPostgres();
  try {
    const manager = await startManager(server.createDatabase('api'));
    return { ...manager, stop: async () => { await manager.stop(); await server.stop(); } };
  } catch (error) {
    await server.stop();
    throw error;
  }
});
