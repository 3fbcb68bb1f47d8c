// The `dns` section of one server's site config and the zone files it serves, from the
// manager's DNS objects (docs/manager.md "DNS"): the zones it is primary for (SOA, NS,
// manual records and the A/AAAA/PTR records made from addresses with a dns_name, checked
// by the zone rules the site daemon applies, written by the zone file writer), the zones
// it holds secondaries of, the TSIG keys they use and where it listens. Pure reads;
// deterministic: the same database gives the same bytes. A problem is returned, never
// thrown; a primary zone with an error is left out of the section and its files.
import { sql } from 'kysely';
import type { DnsConfig, TsigKeyConfig, ZoneConfig } from '../../config/dns-schema.js';
import { parseAddress } from '../../protocol/ipam/address.js';
import { typeFromText, typeToText } from '../../protocol/dns/zone-file/mnemonics.js';
import { writeZoneFile } from '../../protocol/dns/zone-file/writer.js';
import { validateZone } from '../../protocol/dns/zone-validate.js';
import type { SourcePosition } from '../../protocol/dns/zone-problem.js';
import { RRClass, RRType, type ResourceRecord } from '../../wire/dns/types.js';
import type { Db } from '../ipam/transaction.js';
import { absolute, nameProblem, ownerOf, parseRdata, serverFacts, storedName, suffixes, ZONE_DEFAULTS, type DnsZoneDocument } from '../objects/dns.js';

export interface RenderProblem {
  /** The object concerned: "DNS zone voice.example.com", "DNS record 12", "address 7", "server 3". */
  readonly object: string;
  readonly field: string;
  readonly reason: string;
  /** error: the zone is left out; warning: rendered as corrected (a duplicate collapsed…). */
  readonly severity: 'error' | 'warning';
}

export interface DnsRender {
  /** The site config's `dns` section; undefined when the server does not run DNS. */
  readonly section: DnsConfig | undefined;
  /** The zone files the section's primary zones name, by absolute path. */
  readonly files: { path: string; content: string }[];
  readonly problems: RenderProblem[];
}

type Zone = Omit<DnsZoneDocument, 'secondaryServerIds'> & { id: number; updatedAt: number };

/** The reverse (PTR) owner of an address, without the final dot. */
export function reverseName(address: string): string | undefined {
  const a = parseAddress(address);
  if (!a) return undefined;
  if (a.family === 4) return `${[0, 8, 16, 24].map((s) => Number((a.value >> BigInt(s)) & 0xffn)).join('.')}.in-addr.arpa`;
  const nibbles: string[] = [];
  for (let i = 0; i < 32; i++) nibbles.push(Number((a.value >> BigInt(i * 4)) & 0xfn).toString(16));
  return `${nibbles.join('.')}.ip6.arpa`;
}

const seconds = (ms: number): number => Math.max(1, Math.min(0xffffffff, Math.floor(ms / 1000)));

export async function renderDns(db: Db, serverId: number): Promise<DnsRender> {
  const problems: RenderProblem[] = [];
  const server = await serverFacts(db, serverId);
  if (!server) return { section: undefined, files: [], problems: [{ object: `server ${serverId}`, field: 'id', reason: `server ${serverId} does not exist`, severity: 'error' }] };

  const zones = new Map<string, Zone>();
  const byId = new Map<number, Zone>();
  for (const r of await db.selectFrom('dns_zone').selectAll().orderBy('name').execute()) {
    const z: Zone = {
      ...(JSON.parse(r.data) as Omit<Zone, 'id' | 'name' | 'primaryServerId' | 'updatedAt'>),
      id: r.id, name: r.name, primaryServerId: r.primary_server_id, updatedAt: r.updated_at,
      ...(r.transfer_key_id !== null && { transferKeyId: r.transfer_key_id }), ...(r.update_key_id !== null && { updateKeyId: r.update_key_id }),
    };
    zones.set(z.name, z);
    byId.set(z.id, z);
  }
  const primaryZones = [...zones.values()].filter((z) => z.primaryServerId === serverId);
  const secondaryIds = new Set((await db.selectFrom('dns_zone_secondary').select('zone_id').where('server_id', '=', serverId).execute()).map((r) => r.zone_id));
  const secondaryZones = [...zones.values()].filter((z) => secondaryIds.has(z.id));
  if (!server.roles.includes('dns')) {
    for (const z of [...primaryZones, ...secondaryZones]) problems.push({ object: `server ${server.name}`, field: 'roles', reason: `serves DNS zone ${z.name} but does not run DNS (its roles lack "dns")`, severity: 'error' });
    return { section: undefined, files: [], problems };
  }

  const keys = new Map<number, TsigKeyConfig>();
  const keyName = async (id: number | undefined): Promise<string | undefined> => {
    if (id === undefined) return undefined;
    let k = keys.get(id);
    if (!k) {
      const row = await db.selectFrom('tsig_key').select(['name', 'data']).where('id', '=', id).executeTakeFirstOrThrow();
      const d = JSON.parse(row.data) as { algorithm: TsigKeyConfig['algorithm']; secret: string };
      keys.set(id, (k = { name: row.name, algorithm: d.algorithm, secret: d.secret }));
    }
    return k.name;
  };
  const facts = new Map<number, NonNullable<Awaited<ReturnType<typeof serverFacts>>>>();
  const serverOf = async (id: number) => {
    let f = facts.get(id);
    if (!f) facts.set(id, (f = (await serverFacts(db, id))!));
    return f;
  };

  const files: { path: string; content: string }[] = [];
  const out: ZoneConfig[] = [];
  const zoneDir = `${server.dataDir.replace(/\/+$/, '')}/dns/zones`;

  // Primary zones: their content and who may transfer it.
  if (primaryZones.length > 0) {
    const contents = await zoneContents(db, primaryZones, zones, problems);
    const links = await db.selectFrom('dns_zone_secondary').select(['zone_id', 'server_id']).where('zone_id', 'in', primaryZones.map((z) => z.id)).orderBy('server_id').execute();
    for (const z of primaryZones) {
      const content = contents.get(z.id);
      if (content === undefined) continue;
      const file = `${zoneDir}/${z.name}.zone`;
      files.push({ path: file, content });
      const key = await keyName(z.transferKeyId);
      const secondaries = await Promise.all(links.filter((l) => l.zone_id === z.id).map((l) => serverOf(l.server_id)));
      const update = await keyName(z.updateKeyId);
      out.push({
        name: z.name, type: 'primary', file,
        ...(z.notify !== false && secondaries.length > 0 && { notify: secondaries.map((s) => ({ address: s.address, port: s.dnsPort, ...(key !== undefined && { key }) })) }),
        allowTransfer: secondaries.map((s) => ({ from: [s.address], ...(key !== undefined && { key }) })),
        allowUpdate: update === undefined ? [] : [{ key: update }],
        forwardUpdates: true, expiry: 'soa', ixfrHistory: z.ixfrHistory ?? 100,
      });
    }
  }

  // Secondary zones: where to transfer from, and how long to keep answering.
  const site = await db.selectFrom('site').select('survivability').where('id', '=', server.site_id).executeTakeFirst();
  for (const z of secondaryZones) {
    const primary = await serverOf(z.primaryServerId);
    if (!primary.roles.includes('dns')) {
      problems.push({ object: `DNS zone ${z.name}`, field: 'primaryServerId', reason: `its primary ${primary.name} does not run DNS: the secondary has no reachable primary`, severity: 'error' });
      continue;
    }
    const key = await keyName(z.transferKeyId);
    out.push({
      name: z.name, type: 'secondary',
      primaries: [{ address: primary.address, port: primary.dnsPort, ...(key !== undefined && { key }) }],
      allowTransfer: [], allowUpdate: [], forwardUpdates: true,
      expiry: z.expiry ?? (site?.survivability === 'survivable' ? 'never' : 'soa'),
      ixfrHistory: z.ixfrHistory ?? 100,
    });
  }

  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const section: DnsConfig = {
    enabled: true,
    listen: [{ address: server.address, port: server.dnsPort }],
    dataDir: `${server.dataDir.replace(/\/+$/, '')}/dns`,
    udpSize: 1232,
    tcp: { idleTimeout: 10, maxConnections: 1000, maxPipelined: 100 },
    nsid: server.name,
    keys: [...keys.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
    zones: out,
  };
  return { section, files, problems };
}

/**
 * The zone file text of each primary zone that has no error: SOA and NS from the zone,
 * its manual records, and A/AAAA/PTR from the addresses whose dns_name (or address) it
 * is the longest managed zone of.
 */
async function zoneContents(db: Db, rendered: readonly Zone[], all: ReadonlyMap<string, Zone>, problems: RenderProblem[]): Promise<Map<number, string>> {
  const ids = rendered.map((z) => z.id);
  const records = new Map<number, { rr: ResourceRecord; source: string }[]>(ids.map((id) => [id, []]));
  const changed = new Map<number, number>(rendered.map((z) => [z.id, z.updatedAt]));
  const bump = (zoneId: number, at: number) => changed.set(zoneId, Math.max(changed.get(zoneId)!, at));
  const longest = (name: string): Zone | undefined => {
    for (const s of suffixes(name)) {
      const z = all.get(s);
      if (z) return z;
    }
    return undefined;
  };

  // Manual records.
  for (const r of await db.selectFrom('dns_record').selectAll().where('zone_id', 'in', ids).orderBy('id').execute()) {
    const zone = rendered.find((z) => z.id === r.zone_id)!;
    const d = JSON.parse(r.data) as { ttl?: number; rdata: string };
    const type = typeFromText(r.type)!;
    const data = parseRdata(type, d.rdata, absolute(zone.name));
    bump(zone.id, r.updated_at);
    if (typeof data === 'string') {
      problems.push({ object: `DNS record ${r.id}`, field: 'rdata', reason: `${r.type} data "${d.rdata}": ${data}`, severity: 'error' });
      continue;
    }
    records.get(zone.id)!.push({ rr: { name: ownerOf(zone.name, r.name), type, class: RRClass.IN, ttl: d.ttl ?? zone.ttl ?? ZONE_DEFAULTS.ttl, data }, source: `DNS record ${r.id}` });
  }

  // Records made from addresses.
  const renderedIds = new Set(ids);
  for (const a of await db.selectFrom('address').select(['id', 'family', 'address', 'dns_name']).where('dns_name', 'is not', null).orderBy('id').execute()) {
    const name = storedName(a.dns_name!);
    if (nameProblem(name) !== undefined) continue; // not a domain name: nothing to publish
    const forward = longest(name);
    if (forward && renderedIds.has(forward.id) && forward.kind !== 'reverse') {
      const rr: ResourceRecord = a.family === 4
        ? { name: absolute(name), type: RRType.A, class: RRClass.IN, ttl: forward.ttl ?? ZONE_DEFAULTS.ttl, data: { address: a.address } }
        : { name: absolute(name), type: RRType.AAAA, class: RRClass.IN, ttl: forward.ttl ?? ZONE_DEFAULTS.ttl, data: { address: a.address } };
      records.get(forward.id)!.push({ rr, source: `address ${a.id}` });
    }
    const ptr = reverseName(a.address);
    const reverse = ptr === undefined ? undefined : longest(ptr);
    if (reverse && renderedIds.has(reverse.id) && reverse.kind === 'reverse') {
      records.get(reverse.id)!.push({ rr: { name: absolute(ptr!), type: RRType.PTR, class: RRClass.IN, ttl: reverse.ttl ?? ZONE_DEFAULTS.ttl, data: { host: absolute(name) } }, source: `address ${a.id}` });
    }
  }

  // The serial: the second of the last change that may touch the zone's content (docs/manager.md "DNS": serials).
  const lastAddress = (await db.selectFrom('address').select(sql<number | null>`max(updated_at)`.as('at')).executeTakeFirst())?.at ?? 0;
  const lastDelete = (await db.selectFrom('audit').select(sql<number | null>`max(at)`.as('at')).where('action', '=', 'delete').where('object_type', 'in', ['DNS record', 'DNS zone', 'address']).executeTakeFirst())?.at ?? 0;

  const out = new Map<number, string>();
  for (const z of rendered) {
    let last = Math.max(changed.get(z.id)!, Number(lastAddress), Number(lastDelete));
    for (const other of all.values()) if (other.name.endsWith(`.${z.name}`)) last = Math.max(last, other.updatedAt);
    const soa = z.soa ?? {};
    const ttl = z.ttl ?? ZONE_DEFAULTS.ttl;
    const apex = absolute(z.name);
    const list: ResourceRecord[] = [
      {
        name: apex, type: RRType.SOA, class: RRClass.IN, ttl,
        data: {
          mname: absolute(soa.mname ?? z.nameservers[0]!), rname: absolute(soa.rname ?? `hostmaster.${z.name}`), serial: seconds(last),
          refresh: soa.refresh ?? ZONE_DEFAULTS.refresh, retry: soa.retry ?? ZONE_DEFAULTS.retry, expire: soa.expire ?? ZONE_DEFAULTS.expire, minimum: soa.minimum ?? ZONE_DEFAULTS.minimum,
        },
      },
      ...z.nameservers.map((ns): ResourceRecord => ({ name: apex, type: RRType.NS, class: RRClass.IN, ttl, data: { host: absolute(ns) } })),
    ];
    const sources = new Map<ResourceRecord, SourcePosition>();
    for (const { rr, source } of records.get(z.id)!) {
      list.push(rr);
      sources.set(rr, { file: source, line: 0 });
    }
    const checked = validateZone(apex, list, { sources });
    let failed = false;
    for (const p of checked.problems) {
      failed ||= p.severity === 'error';
      const what = `${p.owner ?? apex}${p.type !== undefined ? ` ${typeToText(p.type)}` : ''}`;
      problems.push({
        object: p.file ?? `DNS zone ${z.name}`, field: p.file === undefined ? 'nameservers' : p.file.startsWith('address') ? 'dnsName' : 'name',
        reason: `zone ${z.name}, ${what}: ${p.reason} (${p.kind})`, severity: p.severity,
      });
    }
    if (!failed) out.set(z.id, writeZoneFile(apex, checked.records, { ttlDefault: ttl }));
  }
  return out;
}
