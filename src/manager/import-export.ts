// CSV import and export (docs/api.md "Import and export"). An import checks every row
// and reports each one's fate — created, unchanged (the same object is there), or an
// error with its line, field and reason — and writes all of it in one transaction or
// nothing: a dry run, or any row in error, rolls the transaction back after the same
// checks, so the report says exactly what the import would do.
import { parseCsv, csvLine, type CsvRecord } from '../protocol/ipam/csv.js';
import { hexKey, parseAddress } from '../protocol/ipam/address.js';
import type { Actor } from './audit.js';
import { ManagerError } from './errors.js';
import { ADDRESS_KINDS, type AddressKind } from './ipam/addresses.js';
import { inTransaction, lockSpace, type Trx } from './ipam/transaction.js';
import type { Manager } from './manager.js';

export const IMPORT_LIMITS = { maxRecords: 200_000, maxFieldLength: 1000 } as const;
export const ADDRESS_COLUMNS = ['address', 'kind', 'mac', 'client_id', 'hostname', 'dns_name', 'description'] as const;
export const SUBNET_COLUMNS = ['prefix', 'site', 'description'] as const;

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

export class ImportExport {
  constructor(private readonly m: Manager) {}

  importAddresses(actor: Actor, spaceId: number, text: string, dryRun: boolean): Promise<ImportReport> {
    return this.run(text, ADDRESS_COLUMNS, ['address'], dryRun, spaceId, async (trx, r) => {
      const f = r.fields;
      const kind = (f.kind || 'static') as AddressKind;
      if (!(ADDRESS_KINDS as readonly string[]).includes(kind)) throw new ManagerError('MANAGER_INVALID', 'invalid', `kind is one of ${ADDRESS_KINDS.join(', ')}`, undefined, 'kind');
      const details = {
        kind, mac: f.mac ? f.mac.toLowerCase() : null, clientId: f.client_id ? f.client_id.toLowerCase() : null,
        hostname: f.hostname || null, dnsName: f.dns_name || null, description: f.description ?? '',
      };
      if (details.mac && !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(details.mac)) throw new ManagerError('MANAGER_INVALID', 'invalid', `${f.mac} is not a MAC address (00:11:22:33:44:55)`, undefined, 'mac');
      const a = parseAddress(f.address!);
      if (a) {
        const existing = await trx.selectFrom('address').selectAll().where('space_id', '=', spaceId).where('family', '=', a.family).where('addr_hex', '=', hexKey(a.family, a.value)).executeTakeFirst();
        if (existing) {
          const same = existing.kind === details.kind && existing.mac === details.mac && existing.client_id === details.clientId
            && existing.hostname === details.hostname && existing.dns_name === details.dnsName && existing.description === details.description;
          if (same) return 'unchanged';
          throw new ManagerError('MANAGER_CONFLICT', 'conflict', `${existing.address} is recorded already with other values (address ${existing.id})`, undefined, 'address');
        }
      }
      await this.m.addresses.createIn(trx, actor, spaceId, f.address!, details);
      return 'created';
    });
  }

  importSubnets(actor: Actor, spaceId: number, text: string, dryRun: boolean): Promise<ImportReport> {
    return this.run(text, SUBNET_COLUMNS, ['prefix'], dryRun, spaceId, async (trx, r) => {
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
      await this.m.subnets.createIn(trx, actor, spaceId, f.prefix!, siteId, f.description ?? '');
      return 'created';
    });
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

  private async run(text: string, columns: readonly string[], required: readonly string[], dryRun: boolean, spaceId: number,
    row: (trx: Trx, r: CsvRecord) => Promise<'created' | 'unchanged'>): Promise<ImportReport> {
    const parsed = parseCsv(text, columns, required, IMPORT_LIMITS);
    if (!parsed.ok) throw new ManagerError('MANAGER_IMPORT_INVALID', 'invalid', `line ${parsed.line}: ${parsed.reason}`, 'CSV');
    const space = await this.m.database.db.selectFrom('ip_space').select('id').where('id', '=', spaceId).executeTakeFirst();
    if (!space) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `IP space ${spaceId} does not exist`, `IP space ${spaceId}`, 'spaceId');
    try {
      return await inTransaction(this.m.database, async (trx) => {
        await lockSpace(this.m.database, trx, spaceId);
        let created = 0;
        let unchanged = 0;
        const errors: RowError[] = [];
        for (const r of parsed.records) {
          try {
            if ((await row(trx, r)) === 'created') created++;
            else unchanged++;
          } catch (error) {
            if (!(error instanceof ManagerError)) throw error;
            if (errors.length < MAX_REPORTED_ERRORS) errors.push({ line: r.line, code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) });
            else if (errors.length === MAX_REPORTED_ERRORS) errors.push({ line: r.line, code: error.code, message: `… and more: only the first ${MAX_REPORTED_ERRORS} errors are listed` });
          }
        }
        const report = { dryRun, applied: !dryRun && errors.length === 0, rows: parsed.records.length, created, unchanged, errors };
        if (!report.applied) throw new RollBack(report);
        return report;
      });
    } catch (error) {
      if (error instanceof RollBack) return error.report;
      throw error;
    }
  }
}
