// Service objects and rendering (test/support/manager-objects-suite.ts) over HTTP against
// the real `outpost manager run` on SQLite.
import { objectsSuite } from '../support/manager-objects-suite.js';
import { startManager } from '../support/manager-api-suite.js';

objectsSuite('SQLite', () => startManager());
