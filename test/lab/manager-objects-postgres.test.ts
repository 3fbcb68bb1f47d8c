// Service objects and rendering (test/support/manager-objects-suite.ts) over HTTP against
// the real `outpost manager run --database postgresql://…` on a real PostgreSQL server.
import { objectsSuite } from '../support/manager-objects-suite.js';
import { startManagerOnPostgres } from '../support/manager-api-suite.js';

objectsSuite('PostgreSQL', () => startManagerOnPostgres('objects'));
