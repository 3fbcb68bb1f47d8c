// Users limited to sites (docs/manager.md "Access"): such a user may change only what
// belongs to those sites — their servers, twin pairs, VLANs, subnets and what is in
// them, scopes, failover relationships, zones and records of their servers — and nothing
// that belongs to no site or to every site (IP spaces, option sets, classes, file sets,
// TSIG keys, users, imports). Which sites a write touches is decided here from the
// route, its parameters and its body, before the write runs: each object it changes, as
// it is and as it would be. A route this table does not know touches "no site": refused.
// An object that does not exist touches nothing here: the write itself answers 404.
import { hexKey, parseAddress } from '../../protocol/ipam/address.js';
import { documentOf, type ResourceDef } from '../objects/resource.js';
import { OBJECT_KINDS } from '../objects/catalogue.js';
import type { Db } from '../ipam/transaction.js';

/** A site id, or null for "no single site" (global objects, unknown routes). */
export type Touched = number | null;

type Params = Readonly<Record<string, unknown>>;
type Body = Readonly<Record<string, unknown>> | undefined;

const one = async <T>(q: Promise<T | undefined>): Promise<T | undefined> => q;

async function siteOfServer(db: Db, id: unknown): Promise<Touched[]> {
  const r = await one(db.selectFrom('server').select('site_id').where('id', '=', Number(id)).executeTakeFirst());
  return r ? [r.site_id] : [];
}
async function siteOfSubnet(db: Db, id: unknown): Promise<Touched[]> {
  const r = await one(db.selectFrom('subnet').select('site_id').where('id', '=', Number(id)).executeTakeFirst());
  return r ? [r.site_id] : [];
}
async function siteOfFailover(db: Db, id: unknown): Promise<Touched[]> {
  const r = await one(db.selectFrom('failover').select(['primary_server_id', 'secondary_server_id']).where('id', '=', Number(id)).executeTakeFirst());
  return r ? [...await siteOfServer(db, r.primary_server_id), ...await siteOfServer(db, r.secondary_server_id)] : [];
}
async function siteOfZone(db: Db, id: unknown): Promise<Touched[]> {
  const r = await one(db.selectFrom('dns_zone').select('primary_server_id').where('id', '=', Number(id)).executeTakeFirst());
  return r ? siteOfServer(db, r.primary_server_id) : [];
}
async function siteOfRange(db: Db, id: unknown): Promise<Touched[]> {
  const r = await one(db.selectFrom('ip_range').select('subnet_id').where('id', '=', Number(id)).executeTakeFirst());
  return r ? siteOfSubnet(db, r.subnet_id) : [];
}
async function siteOfAddressRow(db: Db, id: unknown): Promise<Touched[]> {
  const r = await one(db.selectFrom('address').select('subnet_id').where('id', '=', Number(id)).executeTakeFirst());
  return r ? siteOfSubnet(db, r.subnet_id) : [];
}
/** The site of the smallest subnet of a space holding an address (where a new address is recorded). */
async function siteOfAddressText(db: Db, spaceId: unknown, text: unknown): Promise<Touched[]> {
  const a = typeof text === 'string' ? parseAddress(text) : undefined;
  if (!a) return [null];
  const key = hexKey(a.family, a.value);
  const r = await one(db.selectFrom('subnet').select('site_id').where('space_id', '=', Number(spaceId)).where('family', '=', a.family)
    .where('start_hex', '<=', key).where('end_hex', '>=', key).orderBy('length', 'desc').limit(1).executeTakeFirst());
  return [r?.site_id ?? null];
}

/** How a service object's reference fields lead to sites. */
const REFERENCE_SITES: Readonly<Record<string, (db: Db, id: unknown) => Promise<Touched[]>>> = {
  siteId: async (_db, id) => [Number(id)],
  serverId: siteOfServer, primaryServerId: siteOfServer, secondaryServerId: siteOfServer, serverAId: siteOfServer, serverBId: siteOfServer,
  failoverId: siteOfFailover, subnetId: siteOfSubnet, zoneId: siteOfZone, rangeId: siteOfRange,
};

/**
 * The sites a service object's document (or a patch of one) ties it to. A whole document
 * that names no site is global: [null]. In a patch, a reference set to null unties the
 * object from its site (a VLAN made network-wide): that is global too.
 */
async function sitesOfDoc(db: Db, doc: Readonly<Record<string, unknown>>, patch = false): Promise<Touched[]> {
  const out: Touched[] = [];
  for (const [field, value] of Object.entries(doc)) {
    const resolve = REFERENCE_SITES[field];
    const list = field === 'secondaryServerIds';
    if (!resolve && !list) continue;
    if (value === null || value === undefined) {
      if (patch && value === null) out.push(null);
      continue;
    }
    if (resolve) out.push(...await resolve(db, value));
    else if (Array.isArray(value)) for (const id of value) out.push(...await siteOfServer(db, id));
  }
  return out.length > 0 || patch ? out : [null];
}

async function objectSites(db: Db, def: ResourceDef, method: string, params: Params, body: Body): Promise<Touched[]> {
  if (method === 'POST') return sitesOfDoc(db, body ?? {});
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const row = await (db as any).selectFrom(def.table).selectAll().where('id', '=', Number(params.id)).executeTakeFirst() as { data: string } | undefined;
  if (!row) return []; // the write answers 404 itself
  const out = await sitesOfDoc(db, documentOf(def, row));
  if (method === 'PATCH' && body) out.push(...await sitesOfDoc(db, body, true));
  return out;
}

type Resolver = (db: Db, params: Params, body: Body) => Promise<Touched[]>;

const ROUTES: Record<string, Resolver> = {
  'PATCH /sites/:id': async (_db, p) => [Number(p.id)],
  'DELETE /sites/:id': async (_db, p) => [Number(p.id)],
  'POST /subnets': async (_db, _p, b) => [b?.siteId === undefined || b.siteId === null ? null : Number(b.siteId)],
  'PATCH /subnets/:id': async (db, p, b) => [...await siteOfSubnet(db, p.id), ...(b && 'siteId' in b ? [b.siteId === null ? null : Number(b.siteId)] : [])],
  'DELETE /subnets/:id': (db, p) => siteOfSubnet(db, p.id),
  'POST /subnets/:id/next-free-subnet': async (_db, _p, b) => [b?.siteId === undefined || b.siteId === null ? null : Number(b.siteId)],
  'POST /subnets/:id/next-free-address': (db, p) => siteOfSubnet(db, p.id),
  'POST /subnets/:id/ranges': (db, p) => siteOfSubnet(db, p.id),
  'DELETE /ranges/:id': (db, p) => siteOfRange(db, p.id),
  'POST /addresses': (db, _p, b) => siteOfAddressText(db, b?.spaceId, b?.address),
  'PATCH /addresses/:id': (db, p) => siteOfAddressRow(db, p.id),
  'DELETE /addresses/:id': (db, p) => siteOfAddressRow(db, p.id),
  'POST /servers/:id/deployed': (db, p) => siteOfServer(db, p.id),
  // One's own session ends whatever sites one has.
  'DELETE /session': async () => [],
};
for (const def of OBJECT_KINDS) {
  ROUTES[`POST /${def.path}`] = (db, p, b) => objectSites(db, def, 'POST', p, b);
  ROUTES[`PATCH /${def.path}/:id`] = (db, p, b) => objectSites(db, def, 'PATCH', p, b);
  ROUTES[`DELETE /${def.path}/:id`] = (db, p, b) => objectSites(db, def, 'DELETE', p, b);
}

/** The sites a write touches (route without the API prefix, e.g. "PATCH /subnets/:id"); [null] for a route not in the table. */
export async function sitesTouched(db: Db, route: string, params: Params, body: unknown): Promise<Touched[]> {
  const resolve = ROUTES[route];
  const b = body !== null && typeof body === 'object' && !Array.isArray(body) ? body as Record<string, unknown> : undefined;
  return resolve ? resolve(db, params, b) : [null];
}
