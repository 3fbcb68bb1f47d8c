// Journal entries for IXFR journal tests: the difference from serial n to n + 1, its
// content a function of n (so a reader can check what it got), `size` records added.
import type { JournalEntry } from '../../src/storage/ixfr-journal-format.js';
import type { SoaRecord } from '../../src/protocol/dns/zone-diff.js';
import type { ResourceRecord } from '../../src/wire/dns/index.js';

export const JOURNAL_ZONE = 'example.com.';

export function soaAt(serial: number): SoaRecord {
  return { name: JOURNAL_ZONE, type: 6, class: 1, ttl: 3600, data: { mname: 'ns1.example.com.', rname: 'hostmaster.example.com.', serial, refresh: 3600, retry: 600, expire: 1209600, minimum: 300 } };
}

export function hostsOf(serial: number, size: number): ResourceRecord[] {
  return Array.from({ length: size }, (_, i) => ({ name: `h${serial}-${i}.example.com.`, type: 1, class: 1, ttl: 300, data: { address: `198.51.100.${i % 250}` } }));
}

export function entryAt(serial: number, size = 3): JournalEntry {
  return {
    digest: `digest-${serial + 1}`,
    diff: { from: soaAt(serial), to: soaAt(serial + 1), deleted: serial > 1 ? hostsOf(serial - 1, Math.min(size, 2)) : [], added: hostsOf(serial, size) },
  };
}
