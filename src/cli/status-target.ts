// What the CLI's commands for a running daemon share: the status endpoint's URL and
// the control token's path from a site config, reading the token, a GET of a status
// route and a POST of a command, the daemon's error text, and a plain text table.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { SiteConfig } from '../config/site-schema.js';
import { readSiteConfigFile } from '../site/config-file.js';
import { controlTokenPath } from '../site/control-token.js';

/** A bad command line (exit 2), as opposed to a daemon that cannot be reached or refuses (exit 1). */
export class UsageError extends Error {}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export interface TargetOptions {
  config?: string;
  url?: string;
}

/** The status endpoint's URL, and where the daemon of --config writes its control token. */
export async function statusTarget(o: TargetOptions): Promise<{ url: string; tokenPath?: string }> {
  if (!o.config) {
    if (!o.url) throw new UsageError('give --config FILE (the site config) or --url http://HOST:PORT (the status endpoint)');
    return { url: o.url.replace(/\/$/, '') };
  }
  const r = await readSiteConfigFile(o.config);
  if (!r.ok) throw new UsageError(`${o.config}: ${r.problems.map((p) => `${p.path}: ${p.reason}`).join('; ')}`);
  const { config } = r.loaded;
  const tokenPath = controlTokenPath(config, dirname(resolve(o.config)));
  if (o.url) return { url: o.url.replace(/\/$/, ''), ...(tokenPath ? { tokenPath } : {}) };
  const url = statusUrlOf(config);
  if (url === undefined) throw new UsageError(`${o.config}: the status port is 0 (picked at start): give --url`);
  return { url, ...(tokenPath ? { tokenPath } : {}) };
}

/** The control token in `path` (64 hex digits); a UsageError saying why not. */
export async function readControlToken(path: string, what = 'is it running?'): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    const hint = code === 'ENOENT' ? ` (the daemon writes it at start: ${what})` : code === 'EACCES' ? ' (run as the daemon\'s user or root)' : '';
    throw new UsageError(`cannot read the control token ${path}: ${code}${hint}`);
  }
  const token = text.trim();
  if (!/^[0-9a-f]{64}$/.test(token)) throw new UsageError(`${path} does not hold a control token (64 hex digits)`);
  return token;
}

/** The `error` of the daemon's JSON answer, else its text. */
export function errorText(text: string, fallback: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
  } catch { /* not JSON: the text itself */ }
  return text.trim() || fallback;
}

/** "4.2s ago", "3m12s ago", "2h5m ago"; "never" without a value. */
export function age(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return 'never';
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m${Math.floor(s % 60)}s ago`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m ago`;
}

/** http://HOST:PORT of the daemon's status endpoint (a wildcard listen is reached on loopback); undefined when the port is 0 (picked at start). */
export function statusUrlOf(config: Pick<SiteConfig, 'status'>): string | undefined {
  const { listen, port } = config.status;
  if (port === 0) return undefined;
  const host = listen === '0.0.0.0' ? '127.0.0.1' : listen === '::' ? '::1' : listen;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Columns padded to their widest cell (counted in code points), two spaces apart. */
export function writeTable(out: NodeJS.WritableStream, rows: readonly (readonly string[])[]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...r[i]!].length)));
  for (const r of rows) out.write(r.map((c, i) => c + ' '.repeat(widths[i]! - [...c].length)).join('  ').trimEnd() + '\n');
}

export interface CommandOptions extends TargetOptions {
  tokenFile?: string;
}

/** GETs a status route; the daemon's JSON text, or an exit status after writing why. `service` names what serves the route ("DNS service"). */
export async function getStatus(name: string, path: string, o: TargetOptions, err: NodeJS.WritableStream, service: string): Promise<string | number> {
  try {
    const { url } = await statusTarget(o);
    const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (res.status === 404) { err.write(`${name}: the daemon at ${url} runs no ${service} (no ${path} route)\n`); return EXIT_FAILED; }
    if (!res.ok) { err.write(`${name}: ${errorText(text, res.statusText)}\n`); return EXIT_FAILED; }
    return text;
  } catch (error) {
    err.write(`${name}: ${(error as Error).message}\n`);
    return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILED;
  }
}

/**
 * POSTs one command with the control token; the daemon's status and JSON text, or an
 * exit status after writing why. `section` names the config section that gives the
 * daemon its commands ("dns section"), `service` what takes the command ("DNS service").
 */
export async function postCommand(name: string, path: string, o: CommandOptions, err: NodeJS.WritableStream, what: { section: string; service: string }): Promise<{ status: number; text: string } | number> {
  let url: string;
  let token: string;
  try {
    const t = await statusTarget(o);
    url = t.url;
    const tokenFile = o.tokenFile ?? t.tokenPath;
    if (!tokenFile) throw new UsageError(o.config ? `${o.config} has no ${what.section}, so no control token: give --token-file FILE` : 'with --url give --token-file FILE (the daemon\'s control.token)');
    token = await readControlToken(tokenFile, `is it running, with a ${what.section}?`);
  } catch (error) {
    err.write(`${name}: ${(error as Error).message}\n`);
    return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILED;
  }
  try {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(120_000) });
    const text = await res.text();
    if (res.status === 405) { // no such command route: POST is refused on the read-only paths
      err.write(`${name}: the daemon at ${url} runs no ${what.service}\n`);
      return EXIT_FAILED;
    }
    return { status: res.status, text };
  } catch (error) {
    err.write(`${name}: ${(error as Error).message}\n`);
    return EXIT_FAILED;
  }
}

/** Writes why the daemon refused a command; the exit status. */
export function refused(name: string, r: { status: number; text: string }, err: NodeJS.WritableStream): number {
  err.write(`${name}: ${errorText(r.text, String(r.status))}${r.status === 401 ? ' (is the token file this daemon\'s, from this start?)' : ''}\n`);
  return EXIT_FAILED;
}
