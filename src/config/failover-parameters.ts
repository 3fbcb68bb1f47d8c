// The parameters of a failover relationship both partners must agree on, and their
// hash, sent in HELLO (docs/failover-protocol.md, "Handshake"): partners whose hashes
// differ refuse each other (config-mismatch) instead of splitting pools differently.
//
// Both sides compute the same value from their own configs: the servers are named by
// role (primary, partner), not as "me" and "them"; subnets are sorted; keys that do
// not apply to the mode are null, so a default of an unused key never causes a
// mismatch. The pools of each subnet are included because ownership (which server
// may hand out which free address) is computed from them: two partners with
// different pools would own overlapping addresses. The key is not part of it
// (the handshake proves it), nor are timers that each side may tune alone.
import { createHash } from 'node:crypto';
import { ipv4FromString } from '../wire/dhcp4/index.js';
import { canonicalJson } from './canonical.js';
import { subnetRange } from './dhcp-validate.js';
import type { FailoverMode, FailoverRelationship } from './failover-schema.js';
import type { SiteConfig } from './site-schema.js';

export interface RelationshipParameters {
  readonly name: string;
  readonly mode: FailoverMode;
  /** load-balancing and split-scope; null in hot-standby. */
  readonly split: number | null;
  /** hot-standby; null otherwise. */
  readonly standbyReserve: number | null;
  readonly mclt: number;
  /** The server names by role: the primary's, and its partner's; null for the side a split-scope config does not name. */
  readonly servers: { readonly primary: string | null; readonly partner: string | null };
  /** The relationship's subnets in address order, each with its pools in address order. */
  readonly subnets: readonly { readonly subnet: string; readonly pools: readonly { readonly start: string; readonly end: string }[] }[];
}

/** The parameters of `relationship` (one of config.failover.relationships) as both partners see them. */
export function relationshipParameters(config: Pick<SiteConfig, 'server' | 'dhcp'>, relationship: FailoverRelationship): RelationshipParameters {
  const me = config.server.name;
  const them = relationship.partner?.name ?? null;
  const isPrimary = relationship.role === 'primary';
  const byCidr = new Map((config.dhcp?.subnets ?? []).map((s) => [s.subnet, s]));
  const subnets = [...new Set(relationship.subnets)]
    .map((cidr) => ({
      subnet: cidr,
      pools: (byCidr.get(cidr)?.pools ?? [])
        .map((p) => ({ start: p.start, end: p.end }))
        .sort((a, b) => ipv4FromString(a.start) - ipv4FromString(b.start) || ipv4FromString(a.end) - ipv4FromString(b.end)),
    }))
    .sort((a, b) => networkKey(a.subnet) - networkKey(b.subnet));
  return {
    name: relationship.name,
    mode: relationship.mode,
    split: relationship.mode === 'hot-standby' ? null : relationship.split,
    standbyReserve: relationship.mode === 'hot-standby' ? relationship.standbyReserve : null,
    mclt: relationship.mclt,
    servers: isPrimary ? { primary: me, partner: them } : { primary: them, partner: me },
    subnets,
  };
}

/** Network address, then prefix length, as one sortable number. */
function networkKey(cidr: string): number {
  const { start, prefix } = subnetRange(cidr);
  return start * 64 + prefix;
}

/** SHA-256 of the parameters' canonical JSON: the 32-byte config hash of HELLO. */
export function relationshipHash(parameters: RelationshipParameters): Buffer {
  return createHash('sha256').update('outpost-failover-1 parameters\n').update(canonicalJson(parameters)).digest();
}
