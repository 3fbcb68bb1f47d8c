// Applies IXFR differences (RFC 1995 §4) to the records of our copy. Strict: a
// difference that starts from another serial, deletes a record we do not have or adds
// one we already have means our copy and the primary's history disagree — the caller
// then falls back to AXFR (RFC 1995 §4 lets a client do so at any time).
import { nameKey } from '../../../wire/dns/name.js';
import { RRType, type ResourceRecord } from '../../../wire/dns/types.js';
import { rdataKey } from '../zone-file/index.js';
import type { ZoneDiff } from '../zone-diff.js';

export class IxfrApplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IxfrApplyError';
  }
}

const keyOf = (rr: ResourceRecord): string => `${nameKey(rr.name)}\u0000${rr.type}\u0000${rr.class}\u0000${rdataKey(rr.type, rr.data)}`;

/** The records after every difference, the new SOA first. Throws IxfrApplyError. */
export function applyIxfr(current: readonly ResourceRecord[], diffs: readonly ZoneDiff[]): ResourceRecord[] {
  const records = new Map<string, ResourceRecord>();
  let soa: ResourceRecord | undefined;
  for (const rr of current) {
    if (rr.type === RRType.SOA) soa = rr;
    else records.set(keyOf(rr), rr);
  }
  if (!soa) throw new IxfrApplyError('our copy has no SOA');
  for (const d of diffs) {
    const ours = (soa.data as { serial: number }).serial;
    if (d.from.data.serial !== ours) throw new IxfrApplyError(`a difference from serial ${d.from.data.serial}, but our copy is at ${ours}`);
    for (const rr of d.deleted) {
      if (!records.delete(keyOf(rr))) throw new IxfrApplyError(`serial ${d.from.data.serial} → ${d.to.data.serial} deletes ${rr.name} type ${rr.type}, which our copy does not have`);
    }
    for (const rr of d.added) {
      const key = keyOf(rr);
      if (records.has(key)) throw new IxfrApplyError(`serial ${d.from.data.serial} → ${d.to.data.serial} adds ${rr.name} type ${rr.type}, which our copy has already`);
      records.set(key, rr);
    }
    soa = d.to;
  }
  return [soa, ...records.values()];
}
