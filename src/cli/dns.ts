// `outpost dns status|retransfer`: a running site daemon's DNS zones, through its status
// port. status reads GET /dns (no token); retransfer POSTs /dns/retransfer/<zone> with
// the daemon's control token as bearer (control.token in dhcp.leaseDir, or in
// dns.dataDir on a server without DHCP: control-token.ts).
import { age, errorText, EXIT_FAILED, EXIT_OK, EXIT_USAGE, readControlToken, statusTarget, UsageError, writeTable, type TargetOptions } from './status-target.js';

export interface DnsStatusOptions extends TargetOptions {
  json?: boolean;
}

export interface DnsCommandOptions extends TargetOptions {
  tokenFile?: string;
}

interface ZoneView {
  zone?: string; role?: string; state?: string; serial?: number; lastRefresh?: number; expiresIn?: number; expiry?: string;
  stale?: boolean; serving?: boolean; refreshing?: boolean; lastError?: string; primaryBehind?: { primary: string; serial: number };
  lastTransfer?: { at: number; how: string; primary: string; serial: number };
}

export async function dnsStatus(o: DnsStatusOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let text: string;
  try {
    const { url } = await statusTarget(o);
    const res = await fetch(`${url}/dns`, { signal: AbortSignal.timeout(10_000) });
    text = await res.text();
    if (res.status === 404) { err.write(`outpost dns status: the daemon at ${url} runs no DNS service (no /dns route)\n`); return EXIT_FAILED; }
    if (!res.ok) { err.write(`outpost dns status: ${errorText(text, res.statusText)}\n`); return EXIT_FAILED; }
  } catch (error) {
    err.write(`outpost dns status: ${(error as Error).message}\n`);
    return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILED;
  }
  if (o.json) { out.write(text.endsWith('\n') ? text : text + '\n'); return EXIT_OK; }
  const now = Date.now();
  let zones: ZoneView[];
  try {
    zones = (JSON.parse(text) as { zones?: ZoneView[] }).zones ?? [];
  } catch {
    err.write('outpost dns status: the daemon\'s answer is not JSON\n');
    return EXIT_FAILED;
  }
  if (zones.length === 0) { out.write('no zone on this server\n'); return EXIT_OK; }
  writeTable(out, [
    ['ZONE', 'ROLE', 'STATE', 'SERIAL', 'LAST-REFRESH', 'EXPIRES-IN', 'EXPIRY', 'STALE', 'SERVING'],
    ...zones.map((z) => [
      z.zone ?? '?', z.role ?? '?', `${z.state ?? '?'}${z.refreshing ? '*' : ''}`, z.serial === undefined ? '-' : String(z.serial),
      z.role === 'primary' ? '-' : age(z.lastRefresh === undefined ? undefined : now - z.lastRefresh),
      z.role === 'primary' || z.expiresIn === undefined ? '-' : seconds(z.expiresIn), z.role === 'primary' ? '-' : (z.expiry ?? '?'),
      z.stale ? 'yes' : 'no', z.serving === false ? 'no (SERVFAIL)' : 'yes',
    ]),
  ]);
  if (zones.some((z) => z.refreshing)) out.write('* a refresh or transfer is under way\n');
  const notes = zones.flatMap((z) => [
    ...(z.lastTransfer ? [`${z.zone}: last transfer ${z.lastTransfer.how.toUpperCase()} from ${z.lastTransfer.primary}, serial ${z.lastTransfer.serial}, ${age(now - z.lastTransfer.at)}`] : []),
    ...(z.lastError ? [`${z.zone}: ${z.lastError}`] : []),
  ]);
  if (notes.length > 0) out.write('\n' + notes.join('\n') + '\n');
  return EXIT_OK;
}

export async function dnsRetransfer(zone: string, o: DnsCommandOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const name = 'outpost dns retransfer';
  let url: string;
  let token: string;
  try {
    const t = await statusTarget(o);
    url = t.url;
    const tokenFile = o.tokenFile ?? t.tokenPath;
    if (!tokenFile) throw new UsageError(o.config ? `${o.config} runs neither DHCP nor DNS, so no control token: give --token-file FILE` : 'with --url give --token-file FILE (the daemon\'s control.token, in its dhcp.leaseDir or dns.dataDir)');
    token = await readControlToken(tokenFile, 'is it running, with a secondary zone?');
  } catch (error) {
    err.write(`${name}: ${(error as Error).message}\n`);
    return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILED;
  }
  try {
    const res = await fetch(`${url}/dns/retransfer/${encodeURIComponent(zone)}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) });
    const text = await res.text();
    if (!res.ok) {
      err.write(`${name}: ${errorText(text, res.statusText)}${res.status === 401 ? ' (is the token file this daemon\'s, from this start?)' : ''}\n`);
      return EXIT_FAILED;
    }
    const body = JSON.parse(text) as { zone: string; from: string; to: string };
    out.write(`${body.zone}: full transfer started (${body.from} → ${body.to}); follow it with outpost dns status\n`);
    return EXIT_OK;
  } catch (error) {
    err.write(`${name}: ${(error as Error).message}\n`);
    return EXIT_FAILED;
  }
}

function seconds(s: number): string {
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}
