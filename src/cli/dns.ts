// `outpost dns status|retransfer|reload|notify`: a running site daemon's DNS zones,
// through its status port. status reads GET /dns (no token); the others POST
// /dns/retransfer/<zone>, /dns/reload[/<zone>], /dns/notify/<zone> with the daemon's
// control token as bearer (control.token in dhcp.leaseDir, or in dns.dataDir on a
// server without DHCP: control-token.ts).
import { age, EXIT_FAILED, EXIT_OK, getStatus, postCommand, refused, writeTable, type CommandOptions, type TargetOptions } from './status-target.js';

export interface DnsStatusOptions extends TargetOptions {
  json?: boolean;
}

export interface DnsCommandOptions extends CommandOptions {
  json?: boolean;
}

interface ZoneView {
  zone?: string; role?: string; state?: string; serial?: number; lastRefresh?: number; expiresIn?: number; expiry?: string;
  stale?: boolean; serving?: boolean; refreshing?: boolean; lastError?: string; primaryBehind?: { primary: string; serial: number };
  lastTransfer?: { at: number; how: string; primary: string; serial: number };
}

export async function dnsStatus(o: DnsStatusOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const text = await getStatus('outpost dns status', '/dns', o, err, 'DNS service');
  if (typeof text === 'number') return text;
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
  const r = await post(name, `/dns/retransfer/${encodeURIComponent(zone)}`, o, err);
  if (typeof r === 'number') return r;
  if (r.status !== 202) return refused(name, r, err);
  const body = JSON.parse(r.text) as { zone: string; from: string; to: string };
  out.write(`${body.zone}: full transfer started (${body.from} → ${body.to}); follow it with outpost dns status\n`);
  return EXIT_OK;
}

function seconds(s: number): string {
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

interface ReloadView { zone?: string; result?: string; serial?: number; previousSerial?: number; deleted?: number; added?: number; problems?: string[] }

/** POSTs one DNS command. */
function post(name: string, path: string, o: DnsCommandOptions, err: NodeJS.WritableStream): Promise<{ status: number; text: string } | number> {
  return postCommand(name, path, o, err, { section: 'dns section', service: 'DNS service' });
}

export async function dnsReload(zone: string | undefined, o: DnsCommandOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const name = 'outpost dns reload';
  const r = await post(name, zone === undefined ? '/dns/reload' : `/dns/reload/${encodeURIComponent(zone)}`, o, err);
  if (typeof r === 'number') return r;
  if (r.status !== 200 && r.status !== 422) return refused(name, r, err);
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
  if (r.status !== 200) return refused(name, r, err);
  if (o.json) {
    out.write(r.text.endsWith('\n') ? r.text : `${r.text}\n`);
    return EXIT_OK;
  }
  const body = JSON.parse(r.text) as { zone?: string; serial?: number; servers?: string[] };
  const servers = body.servers ?? [];
  out.write(servers.length === 0 ? `${body.zone ?? zone}: no notify servers configured\n` : `${body.zone ?? zone} serial ${body.serial ?? '?'}: NOTIFY sent to ${servers.join(', ')}\n`);
  return EXIT_OK;
}
