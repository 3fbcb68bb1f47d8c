// Service objects (docs/manager.md "Service objects"): servers, twin pairs, VLANs, option
// sets, client classes, failover relationships, DHCP scopes, zones, records… Each kind is
// declared once as a ResourceDef — its document's schema, which fields are reference
// columns, what must be unique, what refers to it, its semantic checks — and this file
// gives every kind the same create, read, list, update (a merge patch under If-Match)
// and delete, each in one transaction with its audit entry. The API and the CLI are made
// from the same declarations.
import type { Static, TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Kysely } from 'kysely';
import type { Clock } from '../../core/clock.js';
import type { ManagerDatabase } from '../../storage/manager/database.js';
import { audit, type Actor } from '../audit.js';
import { ManagerError, requireVersion } from '../errors.js';
import { inTransaction, type Trx } from '../ipam/transaction.js';
import type { Page, PageRequest } from '../queries.js';

/** A row of any object table, seen without its table's types (the declarations name the columns). */
type AnyRow = Record<string, unknown> & { id: number; data: string; version: number; created_at: number; updated_at: number };
// Object tables are reached by name from their declarations, so the builder is untyped here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Untyped = Kysely<any>;

export interface Reference {
  /** The table the field's id points into. */
  readonly table: string;
  /** The object's name in messages, e.g. "site". */
  readonly what: string;
}

export interface Referrer {
  readonly table: string;
  readonly column: string;
  /** The referring object's name in messages, e.g. "failover relationship". */
  readonly what: string;
  /** The column naming the referring object in messages (default: id); a join table names its owner. */
  readonly idColumn?: string;
}

/** A list field kept in a join table (one row per member, both ends foreign keys), not in `data`. */
export interface Link {
  /** The join table. */
  readonly table: string;
  /** Its column holding this object's id. */
  readonly column: string;
  /** Its column holding a member's id. */
  readonly target: string;
  /** What the members are: each must exist. */
  readonly reference: Reference;
}

export interface ResourceDef<S extends TObject = TObject> {
  /** The object's name in messages and in the audit log, e.g. "server". */
  readonly type: string;
  /** Its table. */
  readonly table: string;
  /** Its collection in URLs and CLI commands, e.g. "servers". */
  readonly path: string;
  /** A title for the API document, e.g. "Server". */
  readonly title: string;
  /** The document: what is created, read back (with id, version and times) and patched. */
  readonly schema: S;
  /** Document fields kept in columns of their own (references, names): field → column. The rest is JSON in `data`. */
  readonly columns: Readonly<Record<string, string>>;
  /** Fields that are never read back (secrets): stored and rendered, not shown. */
  readonly hidden?: readonly string[];
  /** Hidden fields the create answer shows, once (a secret the manager generated): never again. */
  readonly revealOnCreate?: readonly string[];
  /** List fields of member ids kept in join tables: field → link. Read back in id order. */
  readonly links?: Readonly<Record<string, Link>>;
  /** Column fields a list may filter on. */
  readonly filters?: readonly string[];
  /** Field sets that must be unique among objects of this kind. */
  readonly unique?: readonly (readonly string[])[];
  /** Column fields holding the id of another object: that object must exist. */
  readonly references?: Readonly<Record<string, Reference>>;
  /** Where other objects refer to this kind: such an object cannot be deleted while they do. */
  readonly referencedBy?: readonly Referrer[];
  /** Where other objects name this one otherwise than by id (a phrase naming the first), so it is not deleted under them. */
  usedBy?(trx: Trx, doc: Static<S>): Promise<string | undefined>;
  /** Fills what the database makes on create (a generated key…). */
  prepare?(doc: Static<S>): Static<S>;
  /**
   * Semantic checks once schema and references passed; throw a ManagerError naming the
   * field. May return the document normalised (names in the one form they are stored in).
   */
  check?(trx: Trx, doc: Static<S>, id: number | undefined): Promise<Static<S> | void>;
  /** A line for people (CLI tables, messages): the name, or the object's key fields. */
  label(doc: Static<S>): string;
}

export type ObjectView<S extends TObject = TObject> = Static<S> & { readonly id: number; readonly version: number; readonly createdAt: number; readonly updatedAt: number };

/** The stored document of a row: the JSON part and the column fields. */
export function documentOf(def: Pick<ResourceDef, 'columns'>, row: { readonly data: string }): Record<string, unknown> {
  const doc: Record<string, unknown> = JSON.parse(row.data) as Record<string, unknown>;
  for (const [field, column] of Object.entries(def.columns)) {
    const v = (row as Readonly<Record<string, unknown>>)[column];
    if (v !== null && v !== undefined) doc[field] = v;
  }
  return doc;
}

function viewOf(def: ResourceDef, row: AnyRow): ObjectView {
  const doc = documentOf(def, row);
  for (const h of def.hidden ?? []) delete doc[h];
  return { id: row.id, ...doc, version: row.version, createdAt: row.created_at, updatedAt: row.updated_at } as ObjectView;
}

function rowOf(def: ResourceDef, doc: Record<string, unknown>): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  const row: Record<string, unknown> = {};
  for (const column of Object.values(def.columns)) row[column] = null;
  for (const [field, value] of Object.entries(doc)) {
    const column = def.columns[field];
    if (def.links?.[field]) continue;
    if (column) row[column] = value ?? null;
    else if (value !== undefined) data[field] = value;
  }
  row.data = JSON.stringify(data);
  return row;
}

/** The link fields of rows (member ids in id order), read with one query per link. */
async function linksOf(db: Untyped, def: ResourceDef, ids: readonly number[]): Promise<Map<number, Record<string, number[]>>> {
  const out = new Map<number, Record<string, number[]>>(ids.map((id) => [id, {}]));
  for (const [field, link] of Object.entries(def.links ?? {})) {
    for (const id of ids) out.get(id)![field] = [];
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db.selectFrom(link.table).select([`${link.column} as owner`, `${link.target} as member`])
        .where(link.column, 'in', ids.slice(i, i + 500)).orderBy(link.target).execute() as { owner: number; member: number }[];
      for (const r of rows) out.get(r.owner)![field]!.push(r.member);
    }
  }
  return out;
}

async function writeLinks(db: Untyped, def: ResourceDef, id: number, doc: Record<string, unknown>): Promise<void> {
  for (const [field, link] of Object.entries(def.links ?? {})) {
    await db.deleteFrom(link.table).where(link.column, '=', id).execute();
    const members = (doc[field] as number[] | undefined) ?? [];
    if (members.length > 0) await db.insertInto(link.table).values(members.map((m) => ({ [link.column]: id, [link.target]: m }))).execute();
  }
}

/** A JSON merge patch (RFC 7386): objects merge field by field, null removes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Refuses a document its schema does not admit, naming the first wrong field. */
function validate(def: ResourceDef, doc: unknown, object: string): Record<string, unknown> {
  const withDefaults = Value.Default(def.schema, structuredClone(doc)) as Record<string, unknown>;
  if (Value.Check(def.schema, withDefaults)) return withDefaults;
  const first = Value.Errors(def.schema, withDefaults).First();
  const field = first?.path ? first.path.slice(1).replace(/\//g, '.') : undefined;
  throw new ManagerError('MANAGER_INVALID', 'invalid', `${field ?? def.type}: ${first?.message ?? 'invalid'}`, object, field);
}

const isUniqueViolation = (e: unknown): boolean => {
  const err = e as { code?: string };
  return err.code === '23505' || err.code === 'SQLITE_CONSTRAINT_UNIQUE';
};

/** The operations every kind of service object has. */
export class Resources {
  constructor(private readonly m: ManagerDatabase, private readonly clock: Clock) {}

  private db(trx?: Trx): Untyped {
    return (trx ?? this.m.db) as unknown as Untyped;
  }

  async get(def: ResourceDef, id: number): Promise<ObjectView> {
    const row = await this.db().selectFrom(def.table).selectAll().where('id', '=', id).executeTakeFirst() as AnyRow | undefined;
    if (!row) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `${def.type} ${id} does not exist`, `${def.type} ${id}`);
    return (await this.views(this.db(), def, [row]))[0]!;
  }

  /** Views of rows, their link fields read too. */
  private async views(db: Untyped, def: ResourceDef, rows: readonly AnyRow[]): Promise<ObjectView[]> {
    if (!def.links || rows.length === 0) return rows.map((r) => viewOf(def, r));
    const links = await linksOf(db, def, rows.map((r) => r.id));
    return rows.map((r) => {
      const v = viewOf(def, r) as Record<string, unknown>;
      const { id, version, createdAt, updatedAt, ...doc } = v;
      return { id, ...doc, ...links.get(r.id), version, createdAt, updatedAt } as ObjectView;
    });
  }

  async list(def: ResourceDef, filter: Readonly<Record<string, unknown>>, p: PageRequest): Promise<Page<ObjectView>> {
    let q = this.db().selectFrom(def.table).selectAll().where('id', '>', p.after ?? 0);
    for (const [field, value] of Object.entries(filter)) {
      const column = def.columns[field];
      if (value === undefined || !column || !(def.filters ?? []).includes(field)) continue;
      q = value === null ? q.where(column, 'is', null) : q.where(column, '=', value);
    }
    const rows = await q.orderBy('id').limit(p.limit + 1).execute() as AnyRow[];
    const more = rows.length > p.limit;
    const items = await this.views(this.db(), def, more ? rows.slice(0, p.limit) : rows);
    return { items, next: more ? items.at(-1)!.id : null };
  }

  create(actor: Actor, def: ResourceDef, input: unknown): Promise<ObjectView> {
    return this.write((trx) => this.createIn(trx, actor, def, input), def, input);
  }

  /**
   * Create within the caller's transaction (an import's). The answer shows the fields of
   * `revealOnCreate` (a generated secret) this once; the audit entry never does.
   */
  async createIn(trx: Trx, actor: Actor, def: ResourceDef, input: unknown): Promise<ObjectView> {
    const object = `${def.type} ${labelOf(def, input)}`;
    let doc = validate(def, input, object);
    if (def.prepare) doc = def.prepare(doc) as Record<string, unknown>;
    doc = await this.checkAll(trx, def, doc, undefined, object);
    const now = this.clock.now();
    const row = await this.db(trx).insertInto(def.table).values({ ...rowOf(def, doc), version: 1, created_at: now, updated_at: now }).returningAll().executeTakeFirstOrThrow() as AnyRow;
    await writeLinks(this.db(trx), def, row.id, doc);
    const view = (await this.views(this.db(trx), def, [row]))[0]!;
    await audit(trx, now, actor, 'create', def.type, row.id, null, view);
    const revealed = Object.fromEntries((def.revealOnCreate ?? []).filter((f) => doc[f] !== undefined).map((f) => [f, doc[f]]));
    return Object.keys(revealed).length === 0 ? view : { ...view, ...revealed };
  }

  update(actor: Actor, def: ResourceDef, id: number, patch: unknown, expectedVersion: number | undefined): Promise<ObjectView> {
    return this.write(async (trx) => {
      const row = await this.lockRow(trx, def, id);
      const object = `${def.type} ${id}`;
      requireVersion(object, row.version, expectedVersion);
      const before = (await this.views(this.db(trx), def, [row]))[0]!;
      const stored = { ...documentOf(def, row), ...(def.links ? (await linksOf(this.db(trx), def, [id])).get(id) : {}) };
      let doc = validate(def, mergePatch(stored, patch), object);
      doc = await this.checkAll(trx, def, doc, id, object);
      const now = this.clock.now();
      const next = await this.db(trx).updateTable(def.table).set({ ...rowOf(def, doc), version: row.version + 1, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirstOrThrow() as AnyRow;
      await writeLinks(this.db(trx), def, id, doc);
      const view = (await this.views(this.db(trx), def, [next]))[0]!;
      await audit(trx, now, actor, 'update', def.type, id, before, view);
      return view;
    }, def, patch);
  }

  delete(actor: Actor, def: ResourceDef, id: number, expectedVersion: number | undefined): Promise<void> {
    return this.write(async (trx) => {
      const row = await this.lockRow(trx, def, id);
      const object = `${def.type} ${id}`;
      requireVersion(object, row.version, expectedVersion);
      for (const r of def.referencedBy ?? []) {
        const user = await this.db(trx).selectFrom(r.table).select(`${r.idColumn ?? 'id'} as id`).where(r.column, '=', id).limit(1).executeTakeFirst() as { id: number } | undefined;
        if (user) throw new ManagerError('MANAGER_IN_USE', 'conflict', `${object} is used by ${r.what} ${user.id}; change or delete that first`, object);
      }
      const namedBy = await def.usedBy?.(trx, documentOf(def, row) as never);
      if (namedBy) throw new ManagerError('MANAGER_IN_USE', 'conflict', `${object} is used by ${namedBy}; change or delete that first`, object);
      const before = (await this.views(this.db(trx), def, [row]))[0]!;
      for (const link of Object.values(def.links ?? {})) await this.db(trx).deleteFrom(link.table).where(link.column, '=', id).execute();
      await this.db(trx).deleteFrom(def.table).where('id', '=', id).execute();
      await audit(trx, this.clock.now(), actor, 'delete', def.type, id, before, null);
    }, def, undefined);
  }

  private async lockRow(trx: Trx, def: ResourceDef, id: number): Promise<AnyRow> {
    let q = this.db(trx).selectFrom(def.table).selectAll().where('id', '=', id);
    if (this.m.dialect === 'postgres') q = q.forNoKeyUpdate();
    const row = await q.executeTakeFirst() as AnyRow | undefined;
    if (!row) throw new ManagerError('MANAGER_NOT_FOUND', 'not-found', `${def.type} ${id} does not exist`, `${def.type} ${id}`);
    return row;
  }

  private async checkAll(trx: Trx, def: ResourceDef, doc: Record<string, unknown>, id: number | undefined, object: string): Promise<Record<string, unknown>> {
    for (const [field, ref] of Object.entries(def.references ?? {})) {
      const target = doc[field];
      if (target === undefined || target === null) continue;
      const found = await this.db(trx).selectFrom(ref.table).select('id').where('id', '=', target).executeTakeFirst();
      if (!found) throw new ManagerError('MANAGER_INVALID', 'invalid', `${ref.what} ${String(target)} does not exist`, object, field);
    }
    for (const [field, link] of Object.entries(def.links ?? {})) {
      for (const [i, target] of ((doc[field] as number[] | undefined) ?? []).entries()) {
        const found = await this.db(trx).selectFrom(link.reference.table).select('id').where('id', '=', target).executeTakeFirst();
        if (!found) throw new ManagerError('MANAGER_INVALID', 'invalid', `${link.reference.what} ${String(target)} does not exist`, object, `${field}.${i}`);
      }
    }
    await this.checkUnique(trx, def, doc, id, object);
    const normalised = await def.check?.(trx, doc as Static<typeof def.schema>, id) as Record<string, unknown> | undefined;
    if (normalised === undefined) return doc;
    await this.checkUnique(trx, def, normalised, id, object); // names in their stored form
    return normalised;
  }

  private async checkUnique(trx: Trx, def: ResourceDef, doc: Record<string, unknown>, id: number | undefined, object: string): Promise<void> {
    for (const fields of def.unique ?? []) {
      let q = this.db(trx).selectFrom(def.table).select('id');
      for (const f of fields) {
        const column = def.columns[f]!;
        const v = doc[f];
        q = v === undefined || v === null ? q.where(column, 'is', null) : q.where(column, '=', v);
      }
      if (id !== undefined) q = q.where('id', '<>', id);
      const taken = await q.executeTakeFirst() as { id: number } | undefined;
      if (taken) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `${def.type} ${taken.id} has the same ${fields.join(' and ')} already`, object, fields.at(-1));
    }
  }

  /** One transaction; a unique constraint the checks could not see (a concurrent writer) is a conflict, not a 500. */
  private async write<T>(fn: (trx: Trx) => Promise<T>, def: ResourceDef, input: unknown): Promise<T> {
    try {
      return await inTransaction(this.m, fn);
    } catch (e) {
      if (isUniqueViolation(e)) throw new ManagerError('MANAGER_CONFLICT', 'conflict', `another ${def.type} has the same unique fields (${(e as Error).message})`, `${def.type} ${labelOf(def, input)}`);
      throw e;
    }
  }
}

function labelOf(def: ResourceDef, input: unknown): string {
  try {
    return def.label(input as never);
  } catch {
    return '?';
  }
}
