// Addresses in use (docs/manager.md "Addresses"): reservations (a DHCP server hands the
// address to one client: MAC or client id) and static assignments (configured on the
// device), each with an optional hostname and DNS name. An address belongs to the
// smallest subnet containing it. Next-free gives the lowest address of a subnet that no
// child subnet, address, pool or exclusion uses — the first of its free ranges, one
// index lookup — under the subnet's row lock, so concurrent callers never share one. An
// IPv4 reservation may carry DHCP options and client classes of its own (dhcp-extras.ts).
import { formatAddress, hexKey, parseAddress, type Family } from '../../protocol/ipam/address.js';
import type { Clock } from '../../core/clock.js';
import type { ManagerDatabase } from '../../storage/manager/database.js';
import type { AddressRow, SubnetRow } from '../../storage/manager/tables.js';
import { audit, type Actor } from '../audit.js';
import { ManagerError, requireVersion } from '../errors.js';
import { remember, replay, type IdempotencyKey } from '../idempotency.js';
import { extrasView, mergeExtras, extrasRefusal, type DhcpExtras, type DhcpExtrasPatch } from './dhcp-extras.js';
import { refreshBlocks, refreshRanges, takeAddress } from './free-space-rows.js';
import { inTransaction, lockSubnet, readUnderSubnetLock, type Trx } from './transaction.js';

export const ADDRESS_KINDS = ['reservation', 'static'] as const;
export type AddressKind = (typeof ADDRESS_KINDS)[number];

export interface AddressDetails extends DhcpExtrasPatch {
  readonly kind: AddressKind;
  readonly mac?: string | null;
  readonly clientId?: string | null;
  readonly hostname?: string | null;
  readonly dnsName?: string | null;
  readonly description?: string;
}

/** What an address's PATCH changes: not the address or its kind. */
export type AddressPatch = Partial<Omit<AddressDetails, 'kind'>>;

export interface Address extends Required<Omit<AddressDetails, 'description' | keyof DhcpExtras>>, DhcpExtras {
  readonly id: number;
  readonly spaceId: number;
  readonly subnetId: number;
  readonly address: string;
  readonly description: string;
  readonly version: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export const addressView = (r: AddressRow): Address => ({
  id: r.id, spaceId: r.space_id, subnetId: r.subnet_id, address: r.address, kind: r.kind as AddressKind, mac: r.mac, clientId: r.client_id,
  hostname: r.hostname, dnsName: r.dns_name, description: r.description, ...extrasView(r.data), version: r.version, createdAt: r.created_at, updatedAt: r.updated_at,
});

export class Addresses {
  constructor(private readonly m: ManagerDatabase, private readonly clock: Clock) {}

  /** Records `address` in the IP space, in the smallest subnet that contains it. */
  create(actor: Actor, spaceId: number, address: string, details: AddressDetails): Promise<Address> {
    return inTransaction(this.m, (trx) => this.createIn(trx, actor, spaceId, address, details));
  }

  /** create() inside a caller's transaction (imports: many addresses, one transaction). */
  async createIn(trx: Trx, actor: Actor, spaceId: number, address: string, details: AddressDetails): Promise<Address> {
    const a = parseAddress(address);
    if (!a) throw new ManagerError('MANAGER_INVALID', 'invalid', `${address} is not an IPv4 or IPv6 address`, `address ${address}`, 'address');
    const key = hexKey(a.family, a.value);
    const smallest = () => trx.selectFrom('subnet').selectAll().where('space_id', '=', spaceId).where('family', '=', a.family)
      .where('start_hex', '<=', key).where('end_hex', '>=', key).orderBy('length', 'desc').limit(1).executeTakeFirst();
    // Locked, then looked up again: a child made meanwhile (it needed this lock) would hold the address instead.
    for (let subnet = await smallest(); ;) {
      if (!subnet) throw new ManagerError('MANAGER_INVALID', 'invalid', `no subnet of IP space ${spaceId} contains ${address}`, `address ${address}`, 'address');
      await lockSubnet(this.m, trx, subnet.id);
      const now = await smallest();
      if (now?.id === subnet.id) return this.insert(trx, actor, now, a.value, details);
      subnet = now;
    }
  }

  /** The lowest free address of a subnet, recorded with `details`. */
  nextFree(actor: Actor, subnetId: number, details: AddressDetails, idempotency?: Omit<IdempotencyKey, 'scope'>): Promise<Address> {
    return inTransaction(this.m, async (trx) => {
      await lockSubnet(this.m, trx, subnetId);
      const subnet = await trx.selectFrom('subnet').selectAll().where('id', '=', subnetId).executeTakeFirst();
      if (!subnet) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `subnet ${subnetId} does not exist`, `subnet ${subnetId}`);
      const key = idempotency ? { ...idempotency, scope: `next-address:${subnetId}:${actor.name}` } : undefined;
      if (key) {
        const earlier = await replay<Address>(trx, key);
        if (earlier) return earlier;
      }
      const free = await trx.selectFrom('free_range').select('start_hex').where('subnet_id', '=', subnetId).orderBy('start_hex').limit(1).executeTakeFirst();
      if (!free) throw new ManagerError('MANAGER_EXHAUSTED', 'exhausted', `no free address is left in ${subnet.prefix} outside its child subnets, pools and exclusions`, `subnet ${subnet.prefix}`);
      const view = await this.insert(trx, actor, subnet, BigInt(`0x${free.start_hex}`), details);
      if (key) await remember(trx, key, view.createdAt, view);
      return view;
    });
  }

  /** Changes what is not the address: client, names, description (a reservation keeps a client). */
  update(actor: Actor, id: number, patch: AddressPatch, ifVersion?: number): Promise<Address> {
    return inTransaction(this.m, async (trx) => {
      const row = await readUnderSubnetLock(this.m, trx, () => trx.selectFrom('address').selectAll().where('id', '=', id).executeTakeFirst());
      if (!row) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `address ${id} does not exist`, `address ${id}`);
      requireVersion(`address ${row.address}`, row.version, ifVersion);
      const mac = patch.mac !== undefined ? patch.mac : row.mac;
      const clientId = patch.clientId !== undefined ? patch.clientId : row.client_id;
      if (row.kind === 'reservation' && !mac && !clientId) throw new ManagerError('MANAGER_INVALID', 'invalid', 'a reservation names its client: keep mac or clientId', `address ${row.address}`, 'mac');
      const refusal = extrasRefusal(patch, `address ${row.address}`, noExtras(row.kind, row.family));
      if (refusal) throw refusal;
      const now = this.clock.now();
      const after = await trx.updateTable('address').set({
        mac: mac?.toLowerCase() ?? null, client_id: clientId?.toLowerCase() ?? null, data: await mergeExtras(trx, row.data, patch, `address ${row.address}`),
        ...(patch.hostname !== undefined ? { hostname: patch.hostname } : {}), ...(patch.dnsName !== undefined ? { dns_name: patch.dnsName } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}), version: row.version + 1, updated_at: now,
      }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      await audit(trx, now, actor, 'update', 'address', id, addressView(row), addressView(after));
      return addressView(after);
    });
  }

  delete(actor: Actor, id: number, ifVersion?: number): Promise<void> {
    return inTransaction(this.m, async (trx) => {
      const row = await readUnderSubnetLock(this.m, trx, () => trx.selectFrom('address').selectAll().where('id', '=', id).executeTakeFirst());
      if (!row) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `address ${id} does not exist`, `address ${id}`);
      requireVersion(`address ${row.address}`, row.version, ifVersion);
      await trx.deleteFrom('address').where('id', '=', id).execute();
      const subnet = await trx.selectFrom('subnet').selectAll().where('id', '=', row.subnet_id).executeTakeFirstOrThrow();
      const value = BigInt(`0x${row.addr_hex}`);
      await refreshRanges(trx, subnet, { start: value, end: value });
      await refreshBlocks(trx, subnet, { start: value, end: value });
      await audit(trx, this.clock.now(), actor, 'delete', 'address', id, addressView(row), null);
    });
  }

  private async insert(trx: Trx, actor: Actor, subnet: SubnetRow, value: bigint, d: AddressDetails): Promise<Address> {
    const family = subnet.family as Family;
    const text = formatAddress(family, value);
    const key = hexKey(family, value);
    const refusal = detailsRefusal(text, d) ?? extrasRefusal(d, `address ${text}`, noExtras(d.kind, family));
    if (refusal) throw refusal;
    const range = await trx.selectFrom('ip_range').select(['kind', 'start', 'end']).where('subnet_id', '=', subnet.id)
      .where('start_hex', '<=', key).where('end_hex', '>=', key).executeTakeFirst();
    const inRange = rangeRefusal(text, d, range);
    if (inRange) throw inRange;
    const taken = await trx.selectFrom('address').select('id').where('space_id', '=', subnet.space_id).where('family', '=', family).where('addr_hex', '=', key).executeTakeFirst();
    if (taken) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `${text} is recorded already (address ${taken.id})`, `address ${text}`, 'address');
    const now = this.clock.now();
    const row = await trx.insertInto('address').values({
      space_id: subnet.space_id, subnet_id: subnet.id, family, address: text, addr_hex: key, kind: d.kind, mac: d.mac?.toLowerCase() ?? null, client_id: d.clientId?.toLowerCase() ?? null,
      hostname: d.hostname ?? null, dns_name: d.dnsName ?? null, description: d.description ?? '', data: await mergeExtras(trx, null, d, `address ${text}`),
      version: 1, created_at: now, updated_at: now,
    }).returningAll().executeTakeFirstOrThrow();
    await takeAddress(trx, subnet, value);
    const view = addressView(row);
    await audit(trx, now, actor, 'create', 'address', row.id, null, view);
    return view;
  }
}

/** What is wrong with an address's details by themselves: its kind, a reservation without a client. */
export function detailsRefusal(text: string, d: AddressDetails): ManagerError | undefined {
  if (!(ADDRESS_KINDS as readonly string[]).includes(d.kind)) return new ManagerError('MANAGER_INVALID', 'invalid', `kind ${String(d.kind)} is not one of ${ADDRESS_KINDS.join(', ')}`, `address ${text}`, 'kind');
  if (d.kind === 'reservation' && !d.mac && !d.clientId) return new ManagerError('MANAGER_INVALID', 'invalid', 'a reservation names its client: give mac or clientId', `address ${text}`, 'mac');
  return undefined;
}

/** Why an address cannot carry options and classes, if it cannot: they are what a DHCPv4 server gives one client. */
const noExtras = (kind: string, family: number): string | undefined =>
  kind !== 'reservation' ? 'options and classes are for reservations: a static address is configured on its device, not handed out' : family !== 4 ? 'options and classes are for IPv4 reservations: the DHCP service serves IPv4 only' : undefined;

/**
 * Whether the range holding an address forbids it: a reservation may sit in a pool (the
 * DHCP server gives it only to its client); a static address may not (the server would
 * hand it out too); nothing sits in an exclusion.
 */
export function rangeRefusal(text: string, d: AddressDetails, range: { kind: string; start: string; end: string } | undefined): ManagerError | undefined {
  if (range && (range.kind === 'exclusion' || d.kind === 'static')) {
    return new ManagerError('MANAGER_CONFLICT', 'conflict', `${text} is inside ${range.kind} ${range.start}-${range.end}`, `address ${text}`, 'address');
  }
  return undefined;
}
