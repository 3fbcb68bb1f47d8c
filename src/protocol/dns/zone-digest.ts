// A digest of a zone version's content (docs/dns.md "The IXFR journal"): the XOR of a
// SHA-256 per record (owner and RDATA names by nameKey, type, class, TTL, data by
// rdataKey). Records of a zone are a set, so the XOR identifies the set whatever the
// order or spelling of the file, and follows a difference in its size: the digest after
// a ZoneDiff is the one before with the deleted and added records (and both SOAs) XORed
// in. The journal keeps it per version, to tell at start whether the zone file, with the
// journal's differences applied, is the version that was served.
import { createHash } from 'node:crypto';
import { nameKey } from '../../wire/dns/name.js';
import type { ResourceRecord } from '../../wire/dns/types.js';
import { rdataKey } from './zone-file/index.js';
import type { ZoneDiff } from './zone-diff.js';
import type { Zone } from './zone.js';

const BYTES = 32;

function xorRecord(into: Buffer, rr: ResourceRecord): void {
  const h = createHash('sha256').update(`${nameKey(rr.name)}\0${rr.type}\0${rr.class}\0${rr.ttl}\0${rdataKey(rr.type, rr.data)}`).digest();
  for (let i = 0; i < BYTES; i++) into[i]! ^= h[i]!;
}

/** The digest of every record of `zone`, as hex. */
export function zoneDigest(zone: Zone): string {
  const d = Buffer.alloc(BYTES);
  for (const rr of zone.records()) xorRecord(d, rr);
  return d.toString('hex');
}

/** The digest of the version `diff` leads to, from the digest of the one it starts from. */
export function digestAfter(digest: string, diff: ZoneDiff): string {
  const d = Buffer.from(digest, 'hex');
  if (d.length !== BYTES) throw new RangeError(`digestAfter: ${digest} is not a zone digest`);
  for (const rr of [diff.from, diff.to, ...diff.deleted, ...diff.added]) xorRecord(d, rr);
  return d.toString('hex');
}
