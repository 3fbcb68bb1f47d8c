// The one registry of Outpost's error and event codes. Every code that appears in a
// log line or an error is declared here once, with its level and meaning, and is
// documented in docs/codes.md (a unit test keeps the two in step). Codes are never
// reused: retire one by marking it, never by giving its name a new meaning.

export type CodeLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug';

export interface CodeInfo {
  readonly level: CodeLevel;
  readonly summary: string;
}

export const codes = {
  CONFIG_UNREADABLE: { level: 'error', summary: 'The config file could not be read (missing, unreadable or not a regular file).' },
  CONFIG_SYNTAX: { level: 'error', summary: 'The config file is not well-formed JSON (comments allowed); the message gives line, column and reason.' },
  CONFIG_INVALID: { level: 'error', summary: 'The config does not satisfy the site config schema; each error names its JSON path and the reason.' },
  CONFIG_VERSION_UNSUPPORTED: { level: 'error', summary: 'The config declares a schema version this build does not understand.' },
  CONFIG_LOADED: { level: 'info', summary: 'A config was validated, completed with defaults and frozen; carries its content hash.' },
  SITE_STARTING: { level: 'info', summary: 'The site daemon is starting its enabled services.' },
  SITE_READY: { level: 'info', summary: 'Every enabled service of the site daemon is running.' },
  SITE_STOPPING: { level: 'info', summary: 'The site daemon is stopping its services (signal or failure); carries the cause.' },
  SITE_STOPPED: { level: 'info', summary: 'The site daemon stopped every service and is about to exit.' },
  SITE_STOP_DEADLINE: { level: 'error', summary: 'A service did not stop within the stop deadline; the daemon exits anyway.' },
  SITE_SERVICE_FAILED: { level: 'error', summary: 'A service failed to start or failed while running; the daemon stops.' },
  SITE_TRANSITION: { level: 'debug', summary: 'The site daemon lifecycle moved from one state to another; carries from, to and cause.' },
  SITE_UNCAUGHT: { level: 'fatal', summary: 'An exception escaped every handler; the daemon stops so a supervisor can restart it.' },
  STATUS_LISTENING: { level: 'info', summary: 'The status endpoint (/healthz, /metrics) is listening; carries its URL.' },
  STATUS_LISTEN_FAILED: { level: 'error', summary: 'The status endpoint could not bind its address and port.' },
  STATUS_REQUEST_FAILED: { level: 'warn', summary: 'A status request could not be answered (rate-limited log line).' },
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof codes;

export function isCode(name: string): name is Code {
  return Object.prototype.hasOwnProperty.call(codes, name);
}
