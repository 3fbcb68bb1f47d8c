// Site reports, alerts and lease history (test/support/manager-reports-suite.ts) over HTTP
// against the real `outpost manager run` on SQLite.
import { REPORTS_MANAGER_ARGS, reportsSuite } from '../support/manager-reports-suite.js';
import { startManager } from '../support/manager-api-suite.js';

reportsSuite('SQLite', () => startManager(undefined, REPORTS_MANAGER_ARGS));
