// The `dhcp` and `failover` sections of a server's rendered site config (docs/manager.md
// "Rendering"): the subnets the server serves alone or through a failover relationship,
// with their pools, exclusions, reservations, option sets and classes; the relationships
// it takes part in, with its role, its partner and the shared key. Rows are read in a
// fixed order (subnet id, address order, class priority then name) so rendering is
// deterministic.
import type { DhcpOptionValues } from '../../config/dhcp-schema.js';
import type { FailoverMode } from '../../config/failover-schema.js';
import { mergeOptions, roleIn, type SectionContext } from './site-config.js';

interface ScopeData {
  options?: DhcpOptionValues;
  interface?: string;
  relayAddresses?: string[];
  classes?: string[];
  leaseTime?: number;
  renewTime?: number;
  rebindTime?: number;
  description?: string;
}

interface FailoverData {
  mode: FailoverMode;
  key: string;
  description?: string;
  [parameter: string]: unknown;
}

export async function renderDhcp(c: SectionContext): Promise<Record<string, unknown>> {
  const { db, server } = c;
  const relationships = await db.selectFrom('failover').selectAll()
    .where((w) => w.or([w('primary_server_id', '=', server.id), w('secondary_server_id', '=', server.id)]))
    .orderBy('name').execute();
  const relationshipIds = relationships.map((r) => r.id);
  const scopes = await db.selectFrom('dhcp_scope').innerJoin('subnet', 'subnet.id', 'dhcp_scope.subnet_id')
    .select(['dhcp_scope.subnet_id', 'dhcp_scope.failover_id', 'dhcp_scope.option_set_id', 'dhcp_scope.data', 'subnet.prefix', 'subnet.description'])
    .where((w) => relationshipIds.length > 0
      ? w.or([w('dhcp_scope.server_id', '=', server.id), w('dhcp_scope.failover_id', 'in', relationshipIds)])
      : w('dhcp_scope.server_id', '=', server.id))
    .orderBy('dhcp_scope.subnet_id').execute();

  const optionSets = new Map<number, DhcpOptionValues>();
  for (const s of await db.selectFrom('option_set').select(['id', 'data']).execute()) {
    optionSets.set(s.id, (JSON.parse(s.data) as { options: DhcpOptionValues }).options);
  }
  const setOf = (id: number | null) => (id === null ? undefined : optionSets.get(id));

  const subnetIds = scopes.map((s) => s.subnet_id);
  const ranges = subnetIds.length === 0 ? [] : await db.selectFrom('ip_range').select(['subnet_id', 'kind', 'start', 'end', 'description', 'data'])
    .where('subnet_id', 'in', subnetIds).orderBy('subnet_id').orderBy('start_hex').execute();
  const reservations = subnetIds.length === 0 ? [] : await db.selectFrom('address').select(['subnet_id', 'address', 'mac', 'client_id', 'hostname', 'description', 'data'])
    .where('subnet_id', 'in', subnetIds).where('kind', '=', 'reservation').orderBy('subnet_id').orderBy('addr_hex').execute();

  // Each subnet's rows by its id (a site of 5k scopes: one pass, not 5k passes over every row).
  const bySubnet = <T extends { subnet_id: number }>(rows: readonly T[]) => {
    const map = new Map<number, T[]>();
    for (const r of rows) (map.get(r.subnet_id) ?? map.set(r.subnet_id, []).get(r.subnet_id)!).push(r);
    return map;
  };
  const rangesOf = bySubnet(ranges);
  const reservationsOf = bySubnet(reservations);
  const subnets = scopes.map((s) => {
    const d = JSON.parse(s.data) as ScopeData;
    const options = mergeOptions(setOf(s.option_set_id), d.options);
    const own = <T extends { subnet_id: number }>(rows: ReadonlyMap<number, T[]>): readonly T[] => rows.get(s.subnet_id) ?? [];
    const extra = (data: string | null) => (data ? JSON.parse(data) as { options?: DhcpOptionValues; classes?: string[] } : {});
    const description = d.description ?? s.description;
    return {
      id: s.subnet_id,
      subnet: s.prefix,
      ...(description ? { description } : {}),
      ...(d.interface ? { interface: d.interface } : {}),
      ...(d.relayAddresses ? { relayAddresses: d.relayAddresses } : {}),
      ...(d.classes ? { classes: d.classes } : {}),
      ...(d.leaseTime !== undefined ? { leaseTime: d.leaseTime } : {}),
      ...(d.renewTime !== undefined ? { renewTime: d.renewTime } : {}),
      ...(d.rebindTime !== undefined ? { rebindTime: d.rebindTime } : {}),
      pools: own(rangesOf).filter((r) => r.kind === 'pool').map((r) => ({ start: r.start, end: r.end, ...extra(r.data), ...(r.description ? { description: r.description } : {}) })),
      exclusions: own(rangesOf).filter((r) => r.kind === 'exclusion').map((r) => ({ start: r.start, end: r.end })),
      reservations: own(reservationsOf).filter((r) => r.mac !== null || r.client_id !== null).map((r) => ({
        ...(r.mac !== null ? { hwAddress: r.mac } : { clientId: r.client_id! }),
        address: r.address,
        ...(r.hostname ? { hostname: r.hostname } : {}),
        ...extra(r.data),
        ...(r.description ? { description: r.description } : {}),
      })),
      ...(options ? { options } : {}),
    };
  });

  const classes = (await db.selectFrom('client_class').select(['name', 'option_set_id', 'data']).execute())
    .map((k) => ({ name: k.name, set: k.option_set_id, d: JSON.parse(k.data) as { priority?: number; match?: unknown; options?: DhcpOptionValues; description?: string } }))
    .sort((a, b) => (a.d.priority ?? 100) - (b.d.priority ?? 100) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((k) => {
      const options = mergeOptions(setOf(k.set), k.d.options);
      return { name: k.name, ...(k.d.match ? { match: k.d.match } : {}), ...(options ? { options } : {}), ...(k.d.description ? { description: k.d.description } : {}) };
    });

  const out: Record<string, unknown> = {
    dhcp: {
      interfaces: server.dhcpInterfaces,
      leaseDir: `${server.dataDir}/dhcp4`,
      classes,
      subnets,
    },
  };

  const covering = relationships.map((r) => ({ r, subnets: scopes.filter((s) => s.failover_id === r.id).map((s) => s.prefix) })).filter((x) => x.subnets.length > 0);
  if (covering.length > 0) {
    const partnerIds = covering.map(({ r }) => (r.primary_server_id === server.id ? r.secondary_server_id : r.primary_server_id));
    const partners = new Map((await db.selectFrom('server').select(['id', 'name', 'data']).where('id', 'in', partnerIds).execute())
      .map((p) => [p.id, { name: p.name, ...(JSON.parse(p.data) as { address: string; failoverPort: number }) }]));
    out.failover = {
      listen: { address: server.address, port: server.failoverPort },
      relationships: covering.map(({ r, subnets: covered }) => {
        const { mode, key, description: _description, ...parameters } = JSON.parse(r.data) as FailoverData;
        const isPrimary = r.primary_server_id === server.id;
        const partner = partners.get(isPrimary ? r.secondary_server_id : r.primary_server_id)!;
        return {
          name: r.name, mode, role: roleIn(mode, isPrimary),
          ...(mode === 'split-scope' ? {} : { partner: { name: partner.name, address: partner.address, port: partner.failoverPort } }),
          key, subnets: covered, ...parameters,
        };
      }),
    };
  }
  return out;
}
