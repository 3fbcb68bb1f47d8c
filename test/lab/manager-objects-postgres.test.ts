// Service objects and rendering (test/support/manager-objects-suite.ts) over HTTP against
// the real `outpost manager run --database postgresql://…` on a real PostgreSQL server.
import { objectsSuite } from '../support/manager-objects-suite.js';
import { startManager } from '../support/manager-api-suite.js';
import { startPostgres } from '../support/postgres-server.js';

objectsSuite('PostgreSQL', async () => {
  const server = await startPostgres();
  try {
    const manager = await startManager(server.createDatabase('objects'));
    return { ...manager, stop: async () => { await manager.stop(); await server.stop(); } };
  } catch (error) {
    await server.stop();
    throw error;
  }
});
