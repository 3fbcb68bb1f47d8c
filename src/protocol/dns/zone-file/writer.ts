// The zone file writer: deterministic text that reads back (parseZoneFile) to the same
// records. $ORIGIN and $TTL first; the SOA; then owners in RFC 4034 §6.1 canonical
// order, types by number, RRset members by their text. Owners relative to the origin
// where the origin is an exact suffix, blank when the same as the line before; the
// TTL only when it differs from $TTL; the class always.
import { RRType, type ResourceRecord } from '../../../wire/dns/types.js';
import { canonicalNameKey } from '../canonical-order.js';
import { classToText, isMetaType, typeToText } from './mnemonics.js';
import { canonicalName, nameToZoneText } from './names.js';
import { rdataToText } from './rdata-text.js';

export interface ZoneWriteOptions {
  /** $TTL of the file; default: the most common TTL of the records (the lowest of equally common ones). */
  readonly ttlDefault?: number;
}

interface Line {
  readonly rr: ResourceRecord;
  readonly key: string;
  readonly rdata: string;
}

/** Zone file text of `records` with `origin` (absolute). Throws TypeError for a meta type (TSIG, OPT…), which no zone file holds. */
export function writeZoneFile(origin: string, records: readonly ResourceRecord[], options: ZoneWriteOptions = {}): string {
  const zone = canonicalName(origin);
  const ttl = options.ttlDefault ?? commonestTtl(records);
  const keys = new Map<string, string>();
  const lines: Line[] = records.map((rr) => {
    if (isMetaType(rr.type) || rr.type === RRType.TSIG) throw new TypeError(`${typeToText(rr.type)} records of ${rr.name} cannot be written in a zone file`);
    let key = keys.get(rr.name);
    if (key === undefined) keys.set(rr.name, (key = canonicalNameKey(rr.name)));
    return { rr, key, rdata: rdataToText(rr.type, rr.data, zone) };
  });
  lines.sort(order);
  const out: string[] = [`$ORIGIN ${zone}`, `$TTL ${ttl}`];
  let previous: string | undefined;
  for (const { rr, rdata } of lines) {
    const owner = rr.name === previous ? '' : nameToZoneText(rr.name, zone, true);
    previous = rr.name;
    const ttlField = rr.ttl === ttl ? '' : `\t${rr.ttl}`;
    out.push(`${owner}${ttlField}\t${classToText(rr.class)}\t${typeToText(rr.type)}\t${rdata}`);
  }
  return `${out.join('\n')}\n`;
}

function order(a: Line, b: Line): number {
  const soaA = a.rr.type === RRType.SOA;
  if (soaA !== (b.rr.type === RRType.SOA)) return soaA ? -1 : 1;
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  if (a.rr.name !== b.rr.name) return a.rr.name < b.rr.name ? -1 : 1;
  if (a.rr.type !== b.rr.type) return a.rr.type - b.rr.type;
  if (a.rr.class !== b.rr.class) return a.rr.class - b.rr.class;
  if (a.rdata !== b.rdata) return a.rdata < b.rdata ? -1 : 1;
  return a.rr.ttl - b.rr.ttl;
}

function commonestTtl(records: readonly ResourceRecord[]): number {
  const counts = new Map<number, number>();
  for (const rr of records) counts.set(rr.ttl, (counts.get(rr.ttl) ?? 0) + 1);
  let best = 3600;
  let bestCount = 0;
  for (const [ttl, n] of counts) {
    if (n > bestCount || (n === bestCount && ttl < best)) {
      best = ttl;
      bestCount = n;
    }
  }
  return best;
}
