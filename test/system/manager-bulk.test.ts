// Bulk requests (test/support/manager-bulk-suite.ts) over HTTP against the real
// `outpost manager run` on SQLite.
import { bulkSuite } from '../support/manager-bulk-suite.js';
import { startManager } from '../support/manager-api-suite.js';

bulkSuite('SQLite', () => startManager());
