// What the CLI's commands for a running daemon share: the status endpoint's URL from
// a site config, and a plain text table.
import type { SiteConfig } from '../config/site-schema.js';

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
