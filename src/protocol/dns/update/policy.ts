// Who may change what in a zone by DNS UPDATE (dns.zones[].allowUpdate, docs/dns.md
// "DNS UPDATE"): grants, deny by default, like BIND's update-policy. A grant names the
// TSIG key the update must be signed with, and optionally the names (exact, or "*.sub"
// for every name strictly below sub) and the types it may change. Without `types`, a
// grant covers every type but SOA and the apex NS (those only when listed). The key is
// the name of the key the signature was verified with (the caller checked it): names
// only here, never signatures.
import { isSubdomain, nameKey } from '../../../wire/dns/name.js';
import { RRType } from '../../../wire/dns/types.js';
import { typeFromText } from '../zone-file/mnemonics.js';

export interface UpdateGrant {
  readonly key: string;
  readonly names?: readonly string[];
  readonly types?: readonly string[];
}

interface NamePattern {
  readonly key: string;
  /** "*.sub": every name strictly below `key`. */
  readonly below: boolean;
}

interface CompiledGrant {
  readonly key: string;
  readonly names: readonly NamePattern[] | undefined;
  readonly types: ReadonlySet<number> | undefined;
}

export class UpdatePolicy {
  private constructor(private readonly grants: readonly CompiledGrant[]) {}

  static readonly DENY_ALL = new UpdatePolicy([]);

  /** Compiles validated grants (dns-validate.ts checked names and type mnemonics); throws RangeError on an unknown type. */
  static compile(grants: readonly UpdateGrant[]): UpdatePolicy {
    return new UpdatePolicy(grants.map((g) => ({
      key: nameKey(absolute(g.key)),
      names: g.names?.map(namePattern),
      types: g.types === undefined ? undefined : new Set(g.types.map(typeNumber)),
    })));
  }

  get size(): number {
    return this.grants.length;
  }

  /** Whether any grant names `tsigKey` (undefined: unsigned, never). */
  knows(tsigKey: string | undefined): boolean {
    if (tsigKey === undefined) return false;
    const key = nameKey(absolute(tsigKey));
    return this.grants.some((g) => g.key === key);
  }

  /** Whether some grant of `tsigKey` covers the name (an RRset deletion of type ANY at a name that owns nothing). */
  allowsName(tsigKey: string | undefined, ownerKey: string): boolean {
    if (tsigKey === undefined) return false;
    const key = nameKey(absolute(tsigKey));
    return this.grants.some((g) => g.key === key && (g.names === undefined || g.names.some((p) => matches(p, ownerKey))));
  }

  /** Whether an update signed with `tsigKey` may change the RRset `type` at `ownerKey` in the zone `originKey`. */
  allows(tsigKey: string | undefined, ownerKey: string, type: number, originKey: string): boolean {
    if (tsigKey === undefined) return false;
    const key = nameKey(absolute(tsigKey));
    for (const g of this.grants) {
      if (g.key !== key) continue;
      if (g.names !== undefined && !g.names.some((p) => matches(p, ownerKey))) continue;
      if (g.types !== undefined ? g.types.has(type) : !reservedByDefault(type, ownerKey, originKey)) return true;
    }
    return false;
  }
}

function reservedByDefault(type: number, ownerKey: string, originKey: string): boolean {
  return type === RRType.SOA || (type === RRType.NS && ownerKey === originKey);
}

function matches(p: NamePattern, ownerKey: string): boolean {
  return p.below ? ownerKey !== p.key && isSubdomain(ownerKey, p.key) : ownerKey === p.key;
}

function namePattern(text: string): NamePattern {
  const below = text.startsWith('*.');
  return { key: nameKey(absolute(below ? text.slice(2) : text)), below };
}

function typeNumber(text: string): number {
  const type = typeFromText(text);
  if (type === undefined) throw new RangeError(`unknown record type ${text}`);
  return type;
}

function absolute(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}
