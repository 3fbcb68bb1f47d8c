// `outpost dns reload [ZONE]` and `outpost dns notify ZONE`: a running site daemon's
// DNS service, through its status port (POST /dns/reload[/<zone>], POST
// /dns/notify/<zone>) with the daemon's control token as bearer (control-token.ts).
import { UsageError, errorText, readToken, statusTarget, writeTable, type StatusTargetOptions } from './status-target.js';

export interface DnsCommandOptions extends StatusTargetOptions {
  tokenFile?: string;
  json?: boolean;
}

interface ReloadView { zone?: string; result?: string; serial?: number; previousSerial?: number; deleted?: number; added?: number; problems?: string[] }

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** POSTs one command; the daemon's status and JSON text, or an exit status after writing why. */
async function post(name: string, path: string, o: DnsCommandOptions, err: NodeJS.WritableStream): Promise<{ status: number; text: string } | number> {
  let url: string;
  let token: string;
  try {
    const t = await statusTarget(o);
    url = t.url;
    const tokenFile = o.tokenFile ?? t.tokenPath;
    if (!tokenFile) throw new UsageError(o.config ? `${o.config} has no dns section, so no control token: give --token-file FILE` : 'with --url give --token-file FILE (the daemon\'s control.token)');
    token = await readToken(tokenFile);
  } catch (error) {
    err.write(`${name}: ${(error as Error).message}\n`);
    return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILED;
  }
  try {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(120_000) });
    const text = await res.text();
    if (res.status === 405) { // no such command route: POST is refused on the read-only paths
      err.write(`${name}: the daemon at ${url} runs no DNS service\n`);
      return EXIT_FAILED;
    }
    return { status: res.status, text };
  } catch (error) {
    err.write(`${name}: ${(error as Error).message}\n`);
    return EXIT_FAILED;
  }
}

export async function dnsReload(zone: string | undefined, o: DnsCommandOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const name = 'outpost dns reload';
  const r = await post(name, zone === undefined ? '/dns/reload' : `/dns/reload/${encodeURIComponent(zone)}`, o, err);
  if (typeof r === 'number') return r;
  if (r.status !== 200 && r.status !== 422) {
    err.write(`${name}: ${errorText(r.text, String(r.status))}${r.status === 401 ? ' (is the token file this daemon\'s, from this start?)' : ''}\n`);
    return EXIT_FAILED;
  }
  if (o.json) out.write(r.text.endsWith('\n') ? r.text : `${r.text}\n`);
  else {
    const zones = (JSON.parse(r.text) as { zones?: ReloadView[] }).zones ?? [];
    if (zones.length === 0) out.write('no primary zone on this server\n');
    else {
      writeTable(out, [['ZONE', 'RESULT', 'SERIAL', 'CHANGES'], ...zones.map((z) => [
        z.zone ?? '?', z.result ?? '?',
        z.previousSerial !== undefined ? `${z.previousSerial} → ${z.serial ?? '?'}` : String(z.serial ?? '?'),
        z.result === 'updated' ? `-${z.deleted ?? 0} +${z.added ?? 0}` : '',
      ])]);
      for (const z of zones) for (const p of z.problems ?? []) err.write(`${z.zone ?? '?'}: ${p}\n`);
    }
  }
  return r.status === 200 ? EXIT_OK : EXIT_FAILED;
}

export async function dnsNotify(zone: string, o: DnsCommandOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const name = 'outpost dns notify';
  const r = await post(name, `/dns/notify/${encodeURIComponent(zone)}`, o, err);
  if (typeof r === 'number') return r;
  if (r.status !== 200) {
    err.write(`${name}: ${errorText(r.text, String(r.status))}${r.status === 401 ? ' (is the token file this daemon\'s, from this start?)' : ''}\n`);
    return EXIT_FAILED;
  }
  if (o.json) {
    out.write(r.text.endsWith('\n') ? r.text : `${r.text}\n`);
    return EXIT_OK;
  }
  const body = JSON.parse(r.text) as { zone?: string; serial?: number; servers?: string[] };
  const servers = body.servers ?? [];
  out.write(servers.length === 0 ? `${body.zone ?? zone}: no notify servers configured\n` : `${body.zone ?? zone} serial ${body.serial ?? '?'}: NOTIFY sent to ${servers.join(', ')}\n`);
  return EXIT_OK;
}
