// Site reports, alerts and lease history (test/support/manager-reports-suite.ts) over HTTP
// against the real `outpost manager run --database postgresql://…` on a real PostgreSQL server.
import { REPORTS_MANAGER_ARGS, reportsSuite } from '../support/manager-reports-suite.js';
import { startManagerOnPostgres } from '../support/manager-api-suite.js';

reportsSuite('PostgreSQL', () => startManagerOnPostgres('reports', REPORTS_MANAGER_ARGS));
