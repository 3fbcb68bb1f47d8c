// `outpost leases`: asks a running site daemon's status port for leases.
import { readSiteConfigFile } from '../site/config-file.js';
import { statusUrlOf, writeTable } from './status-target.js';

export interface LeasesOptions {
  config?: string;
  url?: string;
  address?: string;
  mac?: string;
  clientId?: string;
  hostname?: string;
  all?: boolean;
  json?: boolean;
}

interface LeaseRow { address: string; state: string; hwAddress: string; hostname: string | null; expiresAt: string; subnetId: number }

async function statusUrl(o: LeasesOptions): Promise<string> {
  if (o.url) return o.url.replace(/\/$/, '');
  if (!o.config) throw new Error('give --config FILE (the site config) or --url http://HOST:PORT (the status endpoint)');
  const r = await readSiteConfigFile(o.config);
  if (!r.ok) throw new Error(`${o.config}: ${r.problems.map((p) => `${p.path}: ${p.reason}`).join('; ')}`);
  const url = statusUrlOf(r.loaded.config);
  if (url === undefined) throw new Error(`${o.config}: the status port is 0 (picked at start): give --url`);
  return url;
}

export async function queryLeases(o: LeasesOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const q = new URLSearchParams();
  if (o.address) q.set('address', o.address);
  else if (o.mac) q.set('mac', o.mac);
  else if (o.clientId) q.set('clientId', o.clientId);
  else if (o.hostname) q.set('hostname', o.hostname);
  else if (o.all) q.set('all', '1');
  else { err.write('outpost leases: give one of --address, --mac, --client-id, --hostname, --all\n'); return 2; }
  let body: { leases?: LeaseRow[]; truncated?: boolean; error?: string };
  try {
    const res = await fetch(`${await statusUrl(o)}/leases?${q}`, { signal: AbortSignal.timeout(10_000) });
    body = await res.json() as typeof body;
    if (!res.ok) { err.write(`outpost leases: ${body.error ?? res.statusText}\n`); return 2; }
  } catch (error) {
    err.write(`outpost leases: ${(error as Error).message}\n`);
    return 1;
  }
  const leases = body.leases ?? [];
  if (o.json) { out.write(JSON.stringify(leases, null, 2) + '\n'); return 0; }
  if (leases.length === 0) { out.write('no lease found\n'); return 0; }
  const rows = [['ADDRESS', 'STATE', 'MAC', 'HOSTNAME', 'EXPIRES', 'SUBNET'], ...leases.map((l) => [l.address, l.state, l.hwAddress, l.hostname ?? '-', l.expiresAt, String(l.subnetId)])];
  writeTable(out, rows);
  if (body.truncated) out.write(`(first ${leases.length} shown)\n`);
  return 0;
}
