// The manager's DNS objects (test/support/manager-dns-suite.ts) over HTTP against the real
// `outpost manager run` on SQLite, and their rendering into a server's dns section.
import { dnsSuite } from '../support/manager-dns-suite.js';
import { startManager } from '../support/manager-api-suite.js';

dnsSuite('SQLite', () => startManager());
