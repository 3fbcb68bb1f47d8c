// Bulk requests (test/support/manager-bulk-suite.ts) over HTTP against the real
// `outpost manager run --database postgresql://…` on a real PostgreSQL server.
import { bulkSuite } from '../support/manager-bulk-suite.js';
import { startManagerOnPostgres } from '../support/manager-api-suite.js';

bulkSuite('PostgreSQL', () => startManagerOnPostgres('bulk'));
