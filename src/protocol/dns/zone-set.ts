// The zones a server is authoritative for, each with its serving state, found by
// longest match of a name (docs/dns.md). Immutable: the service builds a new set
// and swaps it atomically when a zone changes, so a query sees one version.
import { nameKey, parent } from '../../wire/dns/name.js';
import type { TransferAcl } from './acl.js';
import type { IxfrHistory } from './ixfr-history.js';
import type { UpdatePolicy } from './update/policy.js';
import type { Zone } from './zone.js';

/** How a zone is served right now. */
export interface ServedZone {
  readonly zone: Zone;
  readonly role: 'primary' | 'secondary';
  /**
   * Seconds until a secondary's copy expires (the EDNS EXPIRE option, RFC 7314);
   * for a primary its SOA expire. Read when a query asks for it.
   */
  expiresIn(): number;
  /** A secondary past its SOA expire with expiry 'soa': it answers SERVFAIL, like BIND and Knot. */
  expired(): boolean;
  /** Who may AXFR/IXFR the zone; absent: nobody (docs/dns.md, "Transfers out"). */
  readonly allowTransfer?: TransferAcl;
  /** The differences kept for IXFR, ending at this zone's serial; absent: every IXFR is answered with the whole zone. */
  readonly history?: IxfrHistory;
  /** primary: who may change the zone by DNS UPDATE; absent: nobody. */
  readonly updatePolicy?: UpdatePolicy;
  /** secondary: DNS UPDATEs are forwarded to the primary (dns.zones[].forwardUpdates). */
  readonly forwardUpdates?: boolean;
}

export class ZoneSet {
  private readonly byKey: ReadonlyMap<string, ServedZone>;

  constructor(zones: readonly ServedZone[]) {
    const m = new Map<string, ServedZone>();
    for (const z of zones) m.set(z.zone.originKey, z);
    this.byKey = m;
  }

  get size(): number {
    return this.byKey.size;
  }

  /** The zone with the longest origin that `name` is in or below. */
  find(name: string): ServedZone | undefined {
    for (let k: string | undefined = nameKey(name); k !== undefined; k = parent(k)) {
      const z = this.byKey.get(k);
      if (z) return z;
    }
    return undefined;
  }

  /** A new set: this one with `zones` added, or replacing the zones of the same origin. */
  with(zones: readonly ServedZone[]): ZoneSet {
    const m = new Map(this.byKey);
    for (const z of zones) m.set(z.zone.originKey, z);
    return new ZoneSet([...m.values()]);
  }

  get(origin: string): ServedZone | undefined {
    return this.byKey.get(nameKey(origin));
  }

  all(): Iterable<ServedZone> {
    return this.byKey.values();
  }
}
