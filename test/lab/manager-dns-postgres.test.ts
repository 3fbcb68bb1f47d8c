// The manager's DNS objects (test/support/manager-dns-suite.ts) over HTTP against the real
// `outpost manager run --database postgresql://…` on a real PostgreSQL server.
import { dnsSuite } from '../support/manager-dns-suite.js';
import { startManagerOnPostgres } from '../support/manager-api-suite.js';

dnsSuite('PostgreSQL', () => startManagerOnPostgres('dns'));
