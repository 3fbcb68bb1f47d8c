// The dependency rule of docs/architecture.md, as data. A module may import from its
// own layer or a lower one, never a higher one; siblings listed in `apart` never
// import each other; pure layers import no sockets, timers, files, processes or databases.

export const LAYERS: Readonly<Record<string, number>> = {
  core: 0,
  wire: 1,
  config: 1, // may use wire codecs to validate option values
  protocol: 2,
  runtime: 3,
  storage: 3,
  site: 4,
  manager: 4,
  api: 5,
  cli: 5,
  web: 5,
};

/** Same-level folders that must stay independent: they meet only through the site config. */
export const APART: readonly (readonly [string, string])[] = [['site', 'manager']];

/** Layers that must stay free of I/O so they run in-process with fake time. */
export const PURE_LAYERS: ReadonlySet<string> = new Set(['core', 'wire', 'config', 'protocol']);

export const IMPURE_MODULES: ReadonlySet<string> = new Set([
  'net', 'dgram', 'dns', 'fs', 'fs/promises', 'timers', 'timers/promises', 'child_process', 'cluster',
  'worker_threads', 'http', 'http2', 'https', 'tls', 'perf_hooks', 'readline', 'process',
  'better-sqlite3', 'pg', 'kysely', 'sqlite3',
]);

/** Globals that schedule work on a real clock; pure layers take an injected Clock instead. */
export const IMPURE_GLOBALS: ReadonlySet<string> = new Set(['setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'fetch']);
