// CSV import and export (docs/api.md "Import and export"). An import checks every row
// and reports each one's fate — created, unchanged (the same object is there), or an
// error with its line, field and reason — and writes all of it in one transaction or
// nothing: a dry run, or any row in error, rolls the transaction back after the same
// checks, so the report says exactly what the import would do.
import { parseCsv, csvLine, type CsvRecord } from '../protocol/ipam/csv.js';
import { BITS, formatAddress, hexKey, parseAddress, type Family } from '../protocol/ipam/address.js';
import type { Actor } from './audit.js';
import { ManagerError } from './errors.js';
import { addressView, detailsRefusal, rangeRefusal, type AddressDetails, type AddressKind } from './ipam/addresses.js';
import { refreshBlocks, refreshRanges } from './ipam/free-space-rows.js';
import type { AddressRow, SubnetRow } from '../storage/manager/tables.js';
import { inTransaction, lockSpace, lockSubnet, type Trx } from './ipam/transaction.js';
import type { Manager } from './manager.js';
import { BULK_SUBNET_ROWS, planSubnetImport } from './import-subnets.js';
import { dnsRecords, parseRdata, relativeOwner, storedName, absolute } from './objects/dns.js';
import { rdataKey } from '../protocol/dns/zone-file/rdata-text.js';
import { typeFromText, typeToText } from '../protocol/dns/zone-file/mnemonics.js';

export const IMPORT_LIMITS = { maxRecords: 200_000, maxFieldLength: 1000 } as const;
export const ADDRESS_COLUMNS = ['address', 'kind', 'mac', 'client_id', 'hostname', 'dns_name', 'description'] as const;
export const SUBNET_COLUMNS = ['prefix', 'site', 'description'] as const;
export const RECORD_COLUMNS = ['zone', 'name', 'type', 'ttl', 'data', 'description'] as const;

export interface RowError {
  readonly line: number;
  readonly code: string;
  readonly message: string;
  readonly field?: string;
}

export interface ImportReport {
  readonly dryRun: boolean;
  /** Whether the rows were written (not a dry run, and no row in error). */
  readonly applied: boolean;
  readonly rows: number;
  readonly created: number;
  readonly unchanged: number;
  readonly errors: readonly RowError[];
}

/** Thrown inside the transaction to roll it back, carrying the report out. */
class RollBack extends Error {
  constructor(readonly report: ImportReport) {
    super('rolled back');
  }
}

const MAX_REPORTED_ERRORS = 1000;
/** Rows per statement of a bulk read or insert (within every database's parameter limit). */
const CHUNK = 500;

function addError(errors: RowError[], line: number, error: ManagerError): void {
  if (errors.length < MAX_REPORTED_ERRORS) errors.push({ line, code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) });
  else if (errors.length === MAX_REPORTED_ERRORS) errors.push({ line, code: error.code, message: `… and more: only the first ${MAX_REPORTED_ERRORS} errors are listed` });
}

export class ImportExport {
  constructor(private readonly m: Manager) {}

  /**
   * Addresses in bulk: every row is checked against the tree, the recorded addresses and
   * the ranges read once per file (not once per row), the new ones are inserted in
   * batches, and the free space of each subnet that got addresses is computed once.
   */
  async importAddresses(actor: Actor, spaceId: number, text: string, dryRun: boolean): Promise<ImportReport> {
    const parsed = this.parse(text, ADDRESS_COLUMNS, ['address']);
    await this.requireSpace(spaceId);
    const db = this.m.database;
    return inTransaction(db, async (trx) => {
      await lockSpace(db, trx, spaceId);
      const errors: RowError[] = [];
      const fail = (line: number, e: ManagerError) => addError(errors, line, e);
      // The tree, by (family, start, length): the smallest subnet holding an address is its longest truncation found.
      const subnets = new Map<string, SubnetRow>();
      for (const s of await trx.selectFrom('subnet').selectAll().where('space_id', '=', spaceId).execute()) subnets.set(`${s.family}/${s.start_hex}/${s.length}`, s);
      const rows: { line: number; value: bigint; family: Family; key: string; subnet: SubnetRow; details: AddressDetails }[] = [];
      const inFile = new Map<string, number>();
      for (const r of parsed.records) {
        const f = r.fields;
        const details: AddressDetails = {
          kind: (f.kind || 'static') as AddressKind, mac: f.mac ? f.mac.toLowerCase() : null, clientId: f.client_id ? f.client_id.toLowerCase() : null,
          hostname: f.hostname || null, dnsName: f.dns_name || null, description: f.description ?? '',
        };
        const a = parseAddress(f.address!);
        if (!a) { fail(r.line, new ManagerError('MANAGER_INVALID', 'invalid', `${f.address} is not an IPv4 or IPv6 address`, undefined, 'address')); continue; }
        if (details.mac && !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(details.mac)) { fail(r.line, new ManagerError('MANAGER_INVALID', 'invalid', `${f.mac} is not a MAC address (00:11:22:33:44:55)`, undefined, 'mac')); continue; }
        const refusal = detailsRefusal(f.address!, details);
        if (refusal) { fail(r.line, refusal); continue; }
        const bits = BITS[a.family];
        let subnet: SubnetRow | undefined;
        for (let l = bits; l >= 0 && !subnet; l--) subnet = subnets.get(`${a.family}/${hexKey(a.family, a.value & ~((1n << BigInt(bits - l)) - 1n))}/${l}`);
        if (!subnet) { fail(r.line, new ManagerError('MANAGER_INVALID', 'invalid', `no subnet of IP space ${spaceId} contains ${f.address}`, undefined, 'address')); continue; }
        const key = hexKey(a.family, a.value);
        const twice = inFile.get(`${a.family}/${key}`);
        if (twice !== undefined) { fail(r.line, new ManagerError('MANAGER_CONFLICT', 'conflict', `${f.address} is on line ${twice} too`, undefined, 'address')); continue; }
        inFile.set(`${a.family}/${key}`, r.line);
        rows.push({ line: r.line, value: a.value, family: a.family, key, subnet, details });
      }
      // What is recorded already, and the ranges of the subnets concerned: read in chunks.
      const existing = new Map<string, AddressRow>();
      for (const family of [4, 6] as const) {
        const keys = rows.filter((x) => x.family === family).map((x) => x.key);
        for (let i = 0; i < keys.length; i += CHUNK) {
          for (const e of await trx.selectFrom('address').selectAll().where('space_id', '=', spaceId).where('family', '=', family).where('addr_hex', 'in', keys.slice(i, i + CHUNK)).execute()) existing.set(`${family}/${e.addr_hex}`, e);
        }
      }
      const subnetIds = [...new Set(rows.map((x) => x.subnet.id))];
      const ranges = new Map<number, { kind: string; start: string; end: string; start_hex: string; end_hex: string }[]>();
      for (let i = 0; i < subnetIds.length; i += CHUNK) {
        for (const g of await trx.selectFrom('ip_range').select(['subnet_id', 'kind', 'start', 'end', 'start_hex', 'end_hex']).where('subnet_id', 'in', subnetIds.slice(i, i + CHUNK)).execute()) {
          (ranges.get(g.subnet_id) ?? ranges.set(g.subnet_id, []).get(g.subnet_id)!).push(g);
        }
      }
      let unchanged = 0;
      const fresh = rows.filter((x) => {
        const e = existing.get(`${x.family}/${x.key}`);
        if (e) {
          const d = x.details;
          const same = e.kind === d.kind && e.mac === d.mac && e.client_id === d.clientId && e.hostname === d.hostname && e.dns_name === d.dnsName && e.description === d.description;
          if (same) unchanged++;
          else fail(x.line, new ManagerError('MANAGER_CONFLICT', 'conflict', `${e.address} is recorded already with other values (address ${e.id})`, undefined, 'address'));
          return false;
        }
        const range = ranges.get(x.subnet.id)?.find((g) => g.start_hex <= x.key && g.end_hex >= x.key);
        const inRange = rangeRefusal(formatAddress(x.family, x.value), x.details, range);
        if (inRange) { fail(x.line, inRange); return false; }
        return true;
      });
      errors.sort((a, b) => a.line - b.line);
      const report = { dryRun, applied: !dryRun && errors.length === 0, rows: parsed.records.length, created: fresh.length, unchanged, errors };
      if (!report.applied) return report; // checked as the write would be; nothing written
      const now = this.m.clock.now();
      const touched = [...new Map(fresh.map((x) => [x.subnet.id, x.subnet])).values()];
      for (const t of touched) await lockSubnet(db, trx, t.id);
      for (let i = 0; i < fresh.length; i += CHUNK) {
        const inserted = await trx.insertInto('address').values(fresh.slice(i, i + CHUNK).map((x) => ({
          space_id: spaceId, subnet_id: x.subnet.id, family: x.family, address: formatAddress(x.family, x.value), addr_hex: x.key, kind: x.details.kind,
          mac: x.details.mac ?? null, client_id: x.details.clientId ?? null, hostname: x.details.hostname ?? null, dns_name: x.details.dnsName ?? null,
          description: x.details.description ?? '', version: 1, created_at: now, updated_at: now,
        }))).returningAll().execute();
        await trx.insertInto('audit').values(inserted.map((row) => ({
          at: now, actor: actor.name, action: 'create', object_type: 'address', object_id: String(row.id), before: null, after: JSON.stringify(addressView(row)),
        }))).execute();
      }
      for (const t of touched) {
        const whole = { start: BigInt(`0x${t.start_hex}`), end: BigInt(`0x${t.end_hex}`) };
        await refreshRanges(trx, t, whole);
        await refreshBlocks(trx, t, whole);
      }
      return report;
    });
  }

  /**
   * Subnets: a file of more than BULK_SUBNET_ROWS rows takes the bulk path (import-subnets.ts:
   * the same checks and report, the writes done as a whole), unless it is one that path
   * leaves to the row-by-row one below.
   */
  async importSubnets(actor: Actor, spaceId: number, text: string, dryRun: boolean): Promise<ImportReport> {
    const parsed = this.parse(text, SUBNET_COLUMNS, ['prefix']);
    await this.requireSpace(spaceId);
    if (parsed.records.length > BULK_SUBNET_ROWS) {
      const db = this.m.database;
      const report = await inTransaction(db, async (trx) => {
        await lockSpace(db, trx, spaceId);
        const plan = await planSubnetImport(trx, async (ids) => {
          if (db.dialect !== 'postgres') return;
          for (let i = 0; i < ids.length; i += CHUNK) await trx.selectFrom('subnet').select('id').where('id', 'in', ids.slice(i, i + CHUNK)).forNoKeyUpdate().execute();
        }, actor, spaceId, parsed.records, () => this.m.clock.now());
        if (plan === 'sequential') return undefined;
        const errors: RowError[] = [];
        for (const e of plan.errors) addError(errors, e.line, e.error);
        const done = { dryRun, applied: !dryRun && errors.length === 0, rows: parsed.records.length, created: plan.created, unchanged: plan.unchanged, errors };
        if (done.applied) await plan.apply(); // otherwise nothing was written
        return done;
      });
      if (report) return report;
    }
    return this.applyRows(parsed.records, dryRun, (trx) => lockSpace(this.m.database, trx, spaceId), async (trx, r) => {
      const f = r.fields;
      let siteId: number | null = null;
      if (f.site) {
        const site = await trx.selectFrom('site').select('id').where('name', '=', f.site).executeTakeFirst();
        if (!site) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `site ${f.site} does not exist`, undefined, 'site');
        siteId = site.id;
      }
      const existing = await trx.selectFrom('subnet').select(['id', 'prefix', 'site_id', 'description']).where('space_id', '=', spaceId).where('prefix', '=', f.prefix!).executeTakeFirst();
      if (existing) {
        if (existing.site_id === siteId && existing.description === (f.description ?? '')) return 'unchanged';
        throw new ManagerError('MANAGER_CONFLICT', 'conflict', `${existing.prefix} exists already with other values (subnet ${existing.id})`, undefined, 'prefix');
      }
      await this.m.subnets.createIn(trx, actor, spaceId, f.prefix!, { siteId, description: f.description ?? '' });
      return 'created';
    });
  }

  /**
   * Manual DNS records (docs/api.md "Import and export"): each row is checked as a create
   * of the record is (names, type, data, CNAME exclusivity, zone membership), against the
   * rows before it too; a row equal to a recorded record (same owner, type, data and TTL)
   * is unchanged.
   */
  async importRecords(actor: Actor, text: string, dryRun: boolean): Promise<ImportReport> {
    const parsed = this.parse(text, RECORD_COLUMNS, ['zone', 'name', 'type', 'data']);
    const zones = new Map<string, { id: number; name: string } | undefined>();
    return this.applyRows(parsed.records, dryRun, async () => {}, async (trx, r) => {
      const f = r.fields;
      const zoneName = storedName(f.zone!);
      if (!zones.has(zoneName)) zones.set(zoneName, await trx.selectFrom('dns_zone').select(['id', 'name']).where('name', '=', zoneName).executeTakeFirst());
      const zone = zones.get(zoneName);
      if (!zone) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `DNS zone ${f.zone} does not exist`, undefined, 'zone');
      if (f.ttl && !/^\d{1,10}$/.test(f.ttl)) throw new ManagerError('MANAGER_INVALID', 'invalid', `TTL "${f.ttl}" is not a number of seconds`, undefined, 'ttl');
      const ttl = f.ttl ? Number(f.ttl) : undefined;
      // The same record recorded already: unchanged.
      const name = relativeOwner(f.name!, zone.name);
      const type = typeFromText(f.type!);
      if (name !== undefined && type !== undefined) {
        const data = parseRdata(type, f.data!, absolute(zone.name));
        if (typeof data !== 'string') {
          const same = (await trx.selectFrom('dns_record').select(['id', 'data']).where('zone_id', '=', zone.id).where('name', '=', name).where('type', '=', typeToText(type)).execute())
            .find((e) => {
              const other = parseRdata(type, (JSON.parse(e.data) as { rdata: string }).rdata, absolute(zone.name));
              return typeof other !== 'string' && rdataKey(type, other) === rdataKey(type, data);
            });
          if (same) {
            const d = JSON.parse(same.data) as { ttl?: number; description?: string };
            if (d.ttl !== ttl || (d.description ?? '') !== (f.description ?? '')) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `DNS record ${same.id} is this record with another TTL or description`, undefined, 'ttl');
            return 'unchanged';
          }
        }
      }
      try {
        await this.m.objects.createIn(trx, actor, dnsRecords, {
          zoneId: zone.id, name: f.name, type: f.type, rdata: f.data, ...(ttl !== undefined && { ttl }), ...(f.description ? { description: f.description } : {}),
        });
      } catch (error) {
        if (!(error instanceof ManagerError)) throw error;
        // The document's fields by their CSV columns.
        const column = error.field === 'rdata' ? 'data' : error.field === 'zoneId' ? 'zone' : error.field;
        throw new ManagerError(error.code, error.kind, error.message, error.object, column);
      }
      return 'created';
    });
  }

  /** Manual DNS records, by zone, owner and type; one zone's when `zone` is given. */
  async exportRecords(zone?: string): Promise<string> {
    let q = this.m.database.db.selectFrom('dns_record').innerJoin('dns_zone', 'dns_zone.id', 'dns_record.zone_id')
      .select(['dns_zone.name as zone', 'dns_record.name', 'dns_record.type', 'dns_record.data']);
    if (zone !== undefined) {
      const name = storedName(zone);
      const found = await this.m.database.db.selectFrom('dns_zone').select('id').where('name', '=', name).executeTakeFirst();
      if (!found) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `DNS zone ${zone} does not exist`, `DNS zone ${zone}`, 'zone');
      q = q.where('dns_zone.name', '=', name);
    }
    const rows = await q.orderBy('dns_zone.name').orderBy('dns_record.name').orderBy('dns_record.type').orderBy('dns_record.id').execute();
    return csvLine(RECORD_COLUMNS) + rows.map((r) => {
      const d = JSON.parse(r.data) as { ttl?: number; rdata: string; description?: string };
      return csvLine([r.zone, r.name, r.type, d.ttl === undefined ? null : String(d.ttl), d.rdata, d.description ?? null]);
    }).join('');
  }

  async exportAddresses(spaceId: number): Promise<string> {
    const rows = await this.m.database.db.selectFrom('address').selectAll().where('space_id', '=', spaceId).orderBy('family').orderBy('addr_hex').execute();
    return csvLine(ADDRESS_COLUMNS) + rows.map((r) => csvLine([r.address, r.kind, r.mac, r.client_id, r.hostname, r.dns_name, r.description])).join('');
  }

  async exportSubnets(spaceId: number): Promise<string> {
    const rows = await this.m.database.db.selectFrom('subnet').leftJoin('site', 'site.id', 'subnet.site_id')
      .select(['subnet.prefix', 'site.name as site', 'subnet.description']).where('subnet.space_id', '=', spaceId)
      .orderBy('subnet.family').orderBy('subnet.start_hex').orderBy('subnet.length').execute();
    return csvLine(SUBNET_COLUMNS) + rows.map((r) => csvLine([r.prefix, r.site, r.description])).join('');
  }

  private parse(text: string, columns: readonly string[], required: readonly string[]): { records: readonly CsvRecord[] } {
    const parsed = parseCsv(text, columns, required, IMPORT_LIMITS);
    if (!parsed.ok) throw new ManagerError('MANAGER_IMPORT_INVALID', 'invalid', `line ${parsed.line}: ${parsed.reason}`, 'CSV');
    return parsed;
  }

  private async requireSpace(spaceId: number): Promise<void> {
    const space = await this.m.database.db.selectFrom('ip_space').select('id').where('id', '=', spaceId).executeTakeFirst();
    if (!space) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `IP space ${spaceId} does not exist`, `IP space ${spaceId}`, 'spaceId');
  }

  /** Every row in one transaction, rolled back on a dry run or when a row is in error; the report counts and lists them. */
  private async applyRows(records: readonly CsvRecord[], dryRun: boolean, lock: (trx: Trx) => Promise<void>,
    row: (trx: Trx, r: CsvRecord) => Promise<'created' | 'unchanged'>): Promise<ImportReport> {
    try {
      return await inTransaction(this.m.database, async (trx) => {
        await lock(trx);
        let created = 0;
        let unchanged = 0;
        const errors: RowError[] = [];
        for (const r of records) {
          try {
            if ((await row(trx, r)) === 'created') created++;
            else unchanged++;
          } catch (error) {
            if (!(error instanceof ManagerError)) throw error;
            addError(errors, r.line, error);
          }
        }
        const report = { dryRun, applied: !dryRun && errors.length === 0, rows: records.length, created, unchanged, errors };
        if (!report.applied) throw new RollBack(report);
        return report;
      });
    } catch (error) {
      if (error instanceof RollBack) return error.report;
      throw error;
    }
  }
}
