// GET /leases on the status port: find leases by address, MAC, client id or host
// name, for `outpost leases` and for administrators with curl.
import type { Lease } from '../protocol/dhcp/lease.js';
import type { LeaseStore } from '../protocol/dhcp/lease-store.js';
import { ipv4FromString, ipv4ToString } from '../wire/dhcp4/index.js';
import { hexDigits } from '../protocol/dhcp/compile.js';
import type { StatusRoute } from './status-service.js';

const MAX_RESULTS = 1000;

export function leaseView(l: Lease): Record<string, unknown> {
  return {
    address: ipv4ToString(l.address), subnetId: l.subnetId, state: l.state, hwAddress: l.hwAddress.replace(/(..)(?!$)/g, '$1:'),
    clientKey: l.clientKey, hostname: l.hostname ?? null,
    startedAt: new Date(l.startedAt).toISOString(), expiresAt: new Date(l.expiresAt).toISOString(),
  };
}

export function leaseQueryRoute(store: LeaseStore): StatusRoute {
  return (q) => {
    const address = q.get('address');
    if (address !== null) {
      let a: number;
      try { a = ipv4FromString(address); } catch { return { status: 400, body: { error: `address: "${address}" is not an IPv4 address` } }; }
      const l = store.get(a);
      return { status: 200, body: { leases: l ? [leaseView(l)] : [] } };
    }
    const mac = q.get('mac');
    const clientId = q.get('clientId');
    const hostname = q.get('hostname');
    const match: ((l: Lease) => boolean) | undefined =
      mac !== null ? ((want) => (l: Lease) => l.hwAddress === want)(hexDigits(mac))
        : clientId !== null ? ((want) => (l: Lease) => l.clientKey === `id:${want}`)(hexDigits(clientId))
          : hostname !== null ? (l: Lease) => l.hostname?.toLowerCase() === hostname.toLowerCase()
            : q.get('all') !== null ? () => true : undefined;
    if (!match) return { status: 400, body: { error: 'give one of: address, mac, clientId, hostname, all' } };
    const leases: Record<string, unknown>[] = [];
    for (const l of store.all()) {
      if (match(l)) leases.push(leaseView(l));
      if (leases.length >= MAX_RESULTS) break;
    }
    return { status: 200, body: { leases, truncated: leases.length >= MAX_RESULTS } };
  };
}
