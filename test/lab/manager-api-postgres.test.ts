// The manager's REST API (test/support/manager-api-suite.ts) over HTTP against the real
// `outpost manager run --database postgresql://…` on a real PostgreSQL server.
import { apiSuite, startManagerOnPostgres } from '../support/manager-api-suite.js';

apiSuite('PostgreSQL', () => startManagerOnPostgres('api'));
