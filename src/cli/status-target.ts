// What the CLI's commands for a running daemon share: the status endpoint's URL and
// the control token's path from a site config, reading the token, the daemon's error
// text, and a plain text table.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { SiteConfig } from '../config/site-schema.js';
import { readSiteConfigFile } from '../site/config-file.js';
import { controlTokenPath } from '../site/control-token.js';

/** A bad command line or an unusable config or token file (exit 2), as opposed to a daemon that cannot be reached or refuses (exit 1). */
export class UsageError extends Error {}

export interface StatusTargetOptions {
  config?: string;
  url?: string;
}

/** The status endpoint's URL, and where the daemon of --config writes its control token. */
export async function statusTarget(o: StatusTargetOptions): Promise<{ url: string; tokenPath?: string }> {
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

/** The daemon's control token from its file (64 hex digits). */
export async function readToken(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    const hint = code === 'ENOENT' ? ' (the daemon writes it at start: is it running, with failover or DNS?)' : code === 'EACCES' ? ' (run as the daemon\'s user or root)' : '';
    throw new UsageError(`cannot read the control token ${path}: ${code}${hint}`);
  }
  const token = text.trim();
  if (!/^[0-9a-f]{64}$/.test(token)) throw new UsageError(`${path} does not hold a control token (64 hex digits)`);
  return token;
}

/** The `error` of the daemon's JSON answer, or the text itself. */
export function errorText(text: string, fallback: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown };
    if (typeof body.error === 'string') return body.error;
  } catch { /* not JSON: the text itself */ }
  return text.trim() || fallback;
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
