// DNS service objects (docs/manager.md "DNS"): TSIG keys, zones (forward and reverse, a
// primary server and the servers holding secondaries) and manual records. Records made
// from addresses (their dns_name) are not stored: render/dns.ts computes them. Names are
// stored in one form — lower case, without the final dot; a record's owner relative to
// its zone ("@" for the apex) — so uniqueness and exclusivity are plain comparisons.
import { randomBytes } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { MIN_TSIG_SECRET_BYTES, TSIG_ALGORITHMS, TsigKeySchema } from '../../config/dns-schema.js';
import { RRType } from '../../wire/dns/types.js';
import { isMetaType, typeFromText, typeToText } from '../../protocol/dns/zone-file/mnemonics.js';
import { rdataFromString, rdataKey } from '../../protocol/dns/zone-file/rdata-text.js';
import { ZoneTextError } from '../../protocol/dns/zone-problem.js';
import { BESIDE_CNAME, MAX_TTL } from '../../protocol/dns/zone-validate.js';
import type { RData } from '../../wire/dns/types.js';
import { ManagerError } from '../errors.js';
import type { Trx } from '../ipam/transaction.js';
import type { ResourceDef } from './resource.js';
import { Description, ObjectId } from './fields.js';

// ---------------------------------------------------------------------------------------
// Names.

const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/** Why `name` (lower case, no final dot, labels separated by dots) is not a domain name; undefined when it is one. */
export function nameProblem(name: string, wildcard = false): string | undefined {
  if (name === '') return 'an empty name';
  if (name.length > 253) return `${name.length} characters; a name has at most 253`;
  const labels = name.split('.');
  for (const [i, l] of labels.entries()) {
    if (l === '*' && wildcard && i === 0) continue;
    if (l === '') return `"${name}" has an empty label`;
    if (l.length > 63) return `label "${l}" has ${l.length} characters; at most 63`;
    if (!LABEL.test(l)) return `label "${l}" is not letters, digits, hyphens and underscores (not starting or ending with a hyphen)`;
  }
  return undefined;
}

/** A name as stored: lower case, without the final dot. */
export const storedName = (text: string): string => text.trim().toLowerCase().replace(/\.$/, '');

/** A stored name as the DNS engine writes it: absolute. */
export const absolute = (name: string): string => `${name}.`;

/** A record's absolute owner from its zone and its stored (relative) name. */
export const ownerOf = (zone: string, name: string): string => (name === '@' ? `${zone}.` : `${name}.${zone}.`);

function checkedName(text: string, object: string, field: string, wildcard = false): string {
  const name = storedName(text);
  const problem = nameProblem(name, wildcard);
  if (problem) throw new ManagerError('MANAGER_INVALID', 'invalid', `${text} is not a domain name: ${problem}`, object, field);
  return name;
}

/** Whether the zone is under in-addr.arpa or ip6.arpa. */
export const isReverseName = (zone: string): boolean => zone === 'in-addr.arpa' || zone === 'ip6.arpa' || zone.endsWith('.in-addr.arpa') || zone.endsWith('.ip6.arpa');

/** The name and its parents up to the root (not the root): "a.b.c" → a.b.c, b.c, c. */
export function suffixes(name: string): string[] {
  const out: string[] = [];
  for (let n = name; n !== ''; n = n.includes('.') ? n.slice(n.indexOf('.') + 1) : '') out.push(n);
  return out;
}

// ---------------------------------------------------------------------------------------
// TSIG keys.

const KeyName = Type.String({ minLength: 1, maxLength: 254, description: 'The key\'s name as both ends spell it (a domain name, e.g. "xfr.voice.example.com"); stored in lower case without the final dot.' });
const SECRET_BYTES: Readonly<Record<(typeof TSIG_ALGORITHMS)[number], number>> = { 'hmac-sha256': 32, 'hmac-sha384': 48, 'hmac-sha512': 64, 'hmac-sha1': 20 };

export const TsigKeyDoc = Type.Object({
  name: KeyName,
  algorithm: TsigKeySchema.properties.algorithm,
  secret: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, pattern: '^[A-Za-z0-9+/]+=*$', description: `The shared secret in base64 (at least ${MIN_TSIG_SECRET_BYTES} bytes). Absent: the manager makes one as long as the algorithm's hash, shown once in the answer to the create. Never read back.` })),
  description: Description(),
}, { additionalProperties: false });

export const tsigKeys: ResourceDef<typeof TsigKeyDoc> = {
  type: 'TSIG key', table: 'tsig_key', path: 'tsig-keys', title: 'TsigKey', schema: TsigKeyDoc,
  columns: { name: 'name' }, filters: ['name'], unique: [['name']], hidden: ['secret'], revealOnCreate: ['secret'],
  referencedBy: [
    { table: 'dns_zone', column: 'transfer_key_id', what: 'DNS zone' },
    { table: 'dns_zone', column: 'update_key_id', what: 'DNS zone' },
  ],
  label: (d) => d.name,
  prepare: (d) => ({ ...d, secret: d.secret ?? randomBytes(SECRET_BYTES[d.algorithm]).toString('base64') }),
  async check(_trx, d) {
    const object = `TSIG key ${d.name}`;
    const name = checkedName(d.name, object, 'name');
    if (d.secret !== undefined) {
      const bytes = Buffer.from(d.secret, 'base64');
      if (bytes.toString('base64') !== d.secret) throw new ManagerError('MANAGER_INVALID', 'invalid', 'the secret is not base64 (standard alphabet, padded)', object, 'secret');
      if (bytes.length < MIN_TSIG_SECRET_BYTES) throw new ManagerError('MANAGER_INVALID', 'invalid', `the secret has ${bytes.length} bytes; at least ${MIN_TSIG_SECRET_BYTES} are needed`, object, 'secret');
    }
    return { ...d, name };
  },
};

// ---------------------------------------------------------------------------------------
// Zones.

const DomainName = (description: string) => Type.String({ minLength: 1, maxLength: 254, description });
const Seconds = (def: number, description: string) => Type.Integer({ minimum: 0, maximum: MAX_TTL, default: def, description });

export const ZONE_DEFAULTS = { ttl: 3600, refresh: 3600, retry: 600, expire: 1_209_600, minimum: 300 } as const;

export const DnsZoneDoc = Type.Object({
  name: DomainName('The zone\'s apex, e.g. voice.example.com or 2.0.192.in-addr.arpa; stored in lower case without the final dot.'),
  kind: Type.Optional(Type.Union([Type.Literal('forward'), Type.Literal('reverse')], { description: 'reverse for zones under in-addr.arpa or ip6.arpa, forward otherwise; derived from the name (given: it must agree).' })),
  primaryServerId: ObjectId('The server holding the master copy (a server with the role dns).'),
  secondaryServerIds: Type.Array(ObjectId('A server holding a secondary copy.'), { uniqueItems: true, maxItems: 64, default: [], description: 'The servers holding secondary copies, transferred from the primary (each with the role dns, none the primary). Read back in id order.' }),
  nameservers: Type.Array(DomainName('A name server\'s name (absolute; the final dot optional).'), { minItems: 1, maxItems: 16, description: 'The apex NS records. A name inside the zone needs an address record (manual or from an address\'s dns_name).' }),
  ttl: Seconds(ZONE_DEFAULTS.ttl, 'TTL of the zone\'s records that give none (and of the SOA, NS and generated records).'),
  soa: Type.Object({
    mname: Type.Optional(DomainName('The primary name server\'s name (default: the first of nameservers).')),
    rname: Type.Optional(DomainName('The responsible mailbox as a name, e.g. hostmaster.example.com (default: hostmaster.<zone>).')),
    refresh: Seconds(ZONE_DEFAULTS.refresh, 'Seconds between a secondary\'s checks of the serial.'),
    retry: Seconds(ZONE_DEFAULTS.retry, 'Seconds before a secondary retries a failed check.'),
    expire: Seconds(ZONE_DEFAULTS.expire, 'Seconds a secondary answers without reaching the primary (when its expiry is "soa").'),
    minimum: Seconds(ZONE_DEFAULTS.minimum, 'Negative caching TTL (RFC 2308).'),
  }, { additionalProperties: false, default: {}, description: 'The SOA fields; the serial is made at render time.' }),
  expiry: Type.Optional(Type.Union([Type.Literal('soa'), Type.Literal('never')], {
    description: 'What the secondaries do when the primary stays unreachable past the SOA expire: soa (stop answering) or never (keep answering the last copy). Absent: never at a survivable site, soa at a dependent one.',
  })),
  transferKeyId: Type.Optional(ObjectId('The TSIG key transfers and NOTIFY between the primary and the secondaries are signed with (absent: by address only).')),
  updateKeyId: Type.Optional(ObjectId('A TSIG key allowed to change the zone by DNS UPDATE at the primary.')),
  notify: Type.Boolean({ default: true, description: 'The primary sends NOTIFY to the secondaries when the zone changes.' }),
  ixfrHistory: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, description: 'Zone versions kept for IXFR (default: the site\'s, 100).' })),
  description: Description(),
}, { additionalProperties: false });
export type DnsZoneDocument = Static<typeof DnsZoneDoc>;

interface ServerFacts { id: number; name: string; site_id: number; address: string; dnsPort: number; roles: string[]; dataDir: string }

export async function serverFacts(trx: Pick<Trx, 'selectFrom'>, id: number): Promise<ServerFacts | undefined> {
  const s = await trx.selectFrom('server').select(['id', 'name', 'site_id', 'data']).where('id', '=', id).executeTakeFirst();
  if (!s) return undefined;
  const d = JSON.parse(s.data) as { address: string; dnsPort?: number; roles?: string[]; dataDir?: string };
  return { id: s.id, name: s.name, site_id: s.site_id, address: d.address, dnsPort: d.dnsPort ?? 53, roles: d.roles ?? [], dataDir: d.dataDir ?? '/var/lib/outpost' };
}

/** Records of `zone` (stored rows) at or below `name` (relative to it). */
async function recordsAtOrBelow(trx: Trx, zoneId: number, name: string) {
  const rows = await trx.selectFrom('dns_record').select(['id', 'name', 'type']).where('zone_id', '=', zoneId)
    .where((w) => w.or([w('name', '=', name), w('name', 'like', `%.${name}`)])).execute();
  return rows.filter((r) => r.name === name || r.name.endsWith(`.${name}`)); // LIKE's "_" matches any character
}

const relativeTo = (name: string, zone: string): string => (name === zone ? '@' : name.slice(0, name.length - zone.length - 1));

export const dnsZones: ResourceDef<typeof DnsZoneDoc> = {
  type: 'DNS zone', table: 'dns_zone', path: 'dns-zones', title: 'DnsZone', schema: DnsZoneDoc,
  columns: { name: 'name', primaryServerId: 'primary_server_id', transferKeyId: 'transfer_key_id', updateKeyId: 'update_key_id' },
  filters: ['name', 'primaryServerId'], unique: [['name']],
  references: {
    primaryServerId: { table: 'server', what: 'server' },
    transferKeyId: { table: 'tsig_key', what: 'TSIG key' }, updateKeyId: { table: 'tsig_key', what: 'TSIG key' },
  },
  links: { secondaryServerIds: { table: 'dns_zone_secondary', column: 'zone_id', target: 'server_id', reference: { table: 'server', what: 'server' } } },
  referencedBy: [{ table: 'dns_record', column: 'zone_id', what: 'DNS record' }],
  label: (d) => d.name,
  async check(trx, d, id) {
    const object = `DNS zone ${d.name}`;
    const name = checkedName(d.name, object, 'name');
    const kind = isReverseName(name) ? 'reverse' : 'forward';
    if (d.kind !== undefined && d.kind !== kind) throw new ManagerError('MANAGER_INVALID', 'invalid', `${name} is a ${kind} zone (reverse zones are under in-addr.arpa or ip6.arpa)`, object, 'kind');
    const nameservers = d.nameservers.map((n, i) => checkedName(n, object, `nameservers.${i}`));
    if (new Set(nameservers).size !== nameservers.length) throw new ManagerError('MANAGER_INVALID', 'invalid', 'a name server is listed twice', object, 'nameservers');
    const soa = {
      ...d.soa,
      ...(d.soa.mname !== undefined && { mname: checkedName(d.soa.mname, object, 'soa.mname') }),
      ...(d.soa.rname !== undefined && { rname: checkedName(d.soa.rname, object, 'soa.rname') }),
    };
    // The primary runs DNS; each secondary runs DNS and can reach it (docs/manager.md "DNS": reachability).
    const primary = (await serverFacts(trx, d.primaryServerId))!;
    if (!primary.roles.includes('dns')) throw new ManagerError('MANAGER_INVALID', 'invalid', `server ${primary.name} does not run DNS (its roles lack "dns"): the zone would have no reachable primary`, object, 'primaryServerId');
    for (const [i, sid] of d.secondaryServerIds.entries()) {
      const field = `secondaryServerIds.${i}`;
      if (sid === d.primaryServerId) throw new ManagerError('MANAGER_INVALID', 'invalid', `server ${primary.name} is the zone's primary; it cannot also be its secondary`, object, field);
      const s = (await serverFacts(trx, sid))!;
      if (!s.roles.includes('dns')) throw new ManagerError('MANAGER_INVALID', 'invalid', `server ${s.name} does not run DNS (its roles lack "dns")`, object, field);
      if (s.address === primary.address && s.dnsPort === primary.dnsPort) {
        throw new ManagerError('MANAGER_INVALID', 'invalid', `server ${s.name} answers on ${s.address} port ${s.dnsPort} as the primary ${primary.name} does: it would transfer from itself`, object, field);
      }
    }
    // Manual records of a parent zone that would fall into this one (but the delegation to it and its glue).
    const parents = suffixes(name).slice(1);
    if (parents.length > 0) {
      for (const p of await trx.selectFrom('dns_zone').select(['id', 'name']).where('name', 'in', parents).execute()) {
        if (p.id === id) continue;
        const rel = relativeTo(name, p.name);
        const inside = (await recordsAtOrBelow(trx, p.id, rel)).filter((r) => !(r.name === rel && (r.type === 'NS' || r.type === 'DS')) && !(r.type === 'A' || r.type === 'AAAA'));
        if (inside.length > 0) {
          throw new ManagerError('MANAGER_CONFLICT', 'conflict', `DNS record ${inside[0]!.id} (${inside[0]!.name} ${inside[0]!.type}) of zone ${p.name} is inside ${name}; move or delete it first`, object, 'name');
        }
      }
    }
    return { ...d, name, kind, nameservers, soa };
  },
};

// ---------------------------------------------------------------------------------------
// Records.

export const DnsRecordDoc = Type.Object({
  zoneId: ObjectId('The zone the record is in.'),
  name: Type.String({ minLength: 1, maxLength: 254, description: 'The owner: relative to the zone ("www", "_sip._udp"; "@" the apex; "*" a wildcard first label), or absolute with the final dot inside the zone. Stored relative, in lower case.' }),
  type: Type.String({ minLength: 1, maxLength: 16, pattern: '^[A-Za-z][A-Za-z0-9-]*$', description: 'The record type mnemonic (A, AAAA, CNAME, MX, TXT, SRV, PTR, NS, CAA…, or TYPEn); stored in upper case. Not SOA: the zone makes it.' }),
  ttl: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_TTL, description: 'TTL in seconds (default: the zone\'s).' })),
  rdata: Type.String({ minLength: 1, maxLength: 65_535, description: 'The data in zone file form, e.g. "192.0.2.10", "10 mail", "\\"v=spf1 -all\\""; relative names are completed with the zone.' }),
  description: Description(),
}, { additionalProperties: false });
export type DnsRecordDocument = Static<typeof DnsRecordDoc>;

/** A record's owner as stored: relative to the zone, lower case ("@": the apex); undefined for an absolute name outside it. */
export function relativeOwner(text: string, zone: string): string | undefined {
  const t = text.trim().toLowerCase();
  if (!t.endsWith('.') || t === '@') return t;
  const abs = t.slice(0, -1);
  if (abs !== zone && !abs.endsWith(`.${zone}`)) return undefined;
  return relativeTo(abs, zone);
}

/** The data of a record's text, or the reason it does not parse. */
export function parseRdata(type: number, text: string, origin: string): RData | string {
  try {
    return rdataFromString(type, text, origin);
  } catch (error) {
    if (error instanceof ZoneTextError) return error.reason;
    throw error;
  }
}

/** Types a record cannot have: the zone makes the SOA; meta and question types are no data. */
function typeProblem(type: number, text: string): string | undefined {
  if (type === RRType.SOA) return 'the zone\'s SOA is made from its soa fields, not recorded';
  if (isMetaType(type) || type === RRType.TSIG) return `${text} is a meta type, not record data`;
  return undefined;
}

export const dnsRecords: ResourceDef<typeof DnsRecordDoc> = {
  type: 'DNS record', table: 'dns_record', path: 'dns-records', title: 'DnsRecord', schema: DnsRecordDoc,
  columns: { zoneId: 'zone_id', name: 'name', type: 'type' },
  filters: ['zoneId', 'name', 'type'],
  references: { zoneId: { table: 'dns_zone', what: 'DNS zone' } },
  label: (d) => `${d.name} ${d.type}`,
  async check(trx, d, id) {
    const zone = await trx.selectFrom('dns_zone').select(['id', 'name']).where('id', '=', d.zoneId).executeTakeFirstOrThrow();
    const object = `DNS record ${d.name} ${d.type} of zone ${zone.name}`;
    // The owner, relative to the zone.
    const name = relativeOwner(d.name, zone.name);
    if (name === undefined) throw new ManagerError('MANAGER_INVALID', 'invalid', `${d.name} is not in the zone ${zone.name}`, object, 'name');
    if (name !== '@') {
      const problem = nameProblem(name, true) ?? nameProblem(`${name}.${zone.name}`.replace(/^\*\./, 'x.'));
      if (problem) throw new ManagerError('MANAGER_INVALID', 'invalid', `${d.name} is not a valid owner name: ${problem}`, object, 'name');
    }
    const owner = name === '@' ? zone.name : `${name}.${zone.name}`;
    // The type and the data.
    const type = typeFromText(d.type);
    if (type === undefined) throw new ManagerError('MANAGER_INVALID', 'invalid', `${d.type} is not a record type this manager knows (use TYPEn for others)`, object, 'type');
    const typeText = typeToText(type);
    const refused = typeProblem(type, typeText);
    if (refused) throw new ManagerError('MANAGER_INVALID', 'invalid', refused, object, 'type');
    const data = parseRdata(type, d.rdata, absolute(zone.name));
    if (typeof data === 'string') throw new ManagerError('MANAGER_INVALID', 'invalid', `${typeText} data "${d.rdata}": ${data}`, object, 'rdata');
    if (type === RRType.CNAME && name === '@') throw new ManagerError('MANAGER_INVALID', 'invalid', 'a CNAME cannot be at the zone\'s apex, which has the SOA and NS records', object, 'type');
    // Not in a managed child zone (but its delegation and glue), not below a delegation (but glue).
    const glue = type === RRType.A || type === RRType.AAAA;
    const between = suffixes(owner).filter((n) => n !== zone.name && n.endsWith(`.${zone.name}`));
    if (between.length > 0) {
      const child = await trx.selectFrom('dns_zone').select(['name']).where('name', 'in', between).orderBy('name').executeTakeFirst();
      const atCut = child !== undefined && child.name === owner && (type === RRType.NS || type === RRType.DS);
      if (child && !atCut && !glue) throw new ManagerError('MANAGER_INVALID', 'invalid', `${owner} belongs to the zone ${child.name}, not to ${zone.name}: record it there`, object, 'name');
      const above = between.filter((n) => n !== owner).map((n) => relativeTo(n, zone.name));
      if (above.length > 0 && !glue) {
        const cut = await trx.selectFrom('dns_record').select(['name']).where('zone_id', '=', zone.id).where('type', '=', 'NS').where('name', 'in', above).executeTakeFirst();
        if (cut) throw new ManagerError('MANAGER_INVALID', 'invalid', `${owner} is below the delegation at ${cut.name}.${zone.name} (its NS records): it would never be answered`, object, 'name');
      }
    }
    // CNAME exclusivity (RFC 1034 §3.6.2, RFC 2181 §10.1) and duplicates.
    let q = trx.selectFrom('dns_record').select(['id', 'type', 'data']).where('zone_id', '=', zone.id).where('name', '=', name);
    if (id !== undefined) q = q.where('id', '<>', id);
    const here = await q.execute();
    const besideCname = (t: string) => BESIDE_CNAME.has(typeFromText(t) ?? -1);
    if (type === RRType.CNAME) {
      const other = here.find((r) => !besideCname(r.type));
      if (other) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `${owner} has ${other.type} data already (DNS record ${other.id}); a CNAME must be alone at its name`, object, 'type');
      const generated = await trx.selectFrom('address').select(['id', 'address']).where('dns_name', 'in', [owner, `${owner}.`]).executeTakeFirst();
      if (generated) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `${owner} has an address record made from address ${generated.id} (${generated.address}); a CNAME must be alone at its name`, object, 'type');
    } else if (!BESIDE_CNAME.has(type)) {
      const cname = here.find((r) => r.type === 'CNAME');
      if (cname) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `${owner} has a CNAME already (DNS record ${cname.id}); a CNAME must be alone at its name`, object, 'type');
    }
    const key = rdataKey(type, data);
    for (const r of here.filter((x) => x.type === typeText)) {
      const other = parseRdata(type, (JSON.parse(r.data) as { rdata: string }).rdata, absolute(zone.name));
      if (typeof other !== 'string' && rdataKey(type, other) === key) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `DNS record ${r.id} is the same record`, object, 'rdata');
    }
    return { ...d, name, type: typeText, rdata: d.rdata.trim() };
  },
};
