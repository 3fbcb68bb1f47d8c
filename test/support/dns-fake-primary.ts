// A primary DNS server in memory for the secondary's protocol tests: versions of a
// zone, SOA answers, AXFR, IXFR from any kept version (or the whole zone, or a
// refusal), and a switch that makes it unreachable. Its transport hands the answers
// straight to the secondary's reader; the secondary's copy files live in memory too.
import { nameKey } from '../../src/wire/dns/name.js';
import { Rcode, RRType, type DnsMessage, type ResourceRecord, type SOAData } from '../../src/wire/dns/index.js';
import type { XfrTransport } from '../../src/protocol/dns/secondary/attempt.js';
import type { PrimaryServer } from '../../src/protocol/dns/secondary/primary.js';
import type { ZoneCopyFiles } from '../../src/protocol/dns/secondary/secondary-zone.js';
import { rdataKey } from '../../src/protocol/dns/zone-file/index.js';
import { message, rr } from './dns-fixture.js';

export const ORIGIN = 'voice.example.com.';

export function soaRecord(serial: number, t: { refresh?: number; retry?: number; expire?: number } = {}): ResourceRecord {
  return rr(ORIGIN, RRType.SOA, { mname: `ns1.${ORIGIN}`, rname: `hostmaster.${ORIGIN}`, serial, refresh: t.refresh ?? 3600, retry: t.retry ?? 600, expire: t.expire ?? 7200, minimum: 300 });
}

/** A valid zone of `serial`: SOA, NS, glue, and `hosts` A records. */
export function zoneRecords(serial: number, hosts: Record<string, string> = { pbx: '192.0.2.10' }, timers: { refresh?: number; retry?: number; expire?: number } = {}): ResourceRecord[] {
  return [
    soaRecord(serial, timers),
    rr(ORIGIN, RRType.NS, { host: `ns1.${ORIGIN}` }),
    rr(`ns1.${ORIGIN}`, RRType.A, { address: '192.0.2.53' }),
    ...Object.entries(hosts).map(([h, address]) => rr(`${h}.${ORIGIN}`, RRType.A, { address })),
  ];
}

const key = (r: ResourceRecord) => `${nameKey(r.name)}|${r.type}|${rdataKey(r.type, r.data)}`;
const serialOf = (records: readonly ResourceRecord[]) => (records.find((r) => r.type === RRType.SOA)!.data as SOAData).serial;

export class FakePrimary {
  reachable = true;
  /** incremental: IXFR from kept versions; full: IXFR answered AXFR-style; refuse: IXFR answered NOTIMP. */
  ixfr: 'incremental' | 'full' | 'refuse' = 'incremental';
  readonly log: string[] = [];
  private readonly versions = new Map<number, ResourceRecord[]>();
  private current: ResourceRecord[];

  constructor(records: ResourceRecord[]) {
    this.current = records;
    this.versions.set(serialOf(records), records);
  }

  get serial(): number {
    return serialOf(this.current);
  }

  publish(records: ResourceRecord[]): void {
    this.current = records;
    this.versions.set(serialOf(records), records);
  }

  answer(request: DnsMessage): DnsMessage[] {
    const q = request.questions[0]!;
    const reply = (answers: ResourceRecord[], rcode: number = Rcode.NOERROR): DnsMessage =>
      message({ id: request.id, rcode, flags: { qr: true, aa: true }, questions: [q], answers });
    const soa = this.current[0]!;
    if (q.type === RRType.SOA) { this.log.push('SOA'); return [reply([soa])]; }
    const body = this.current.slice(1);
    const axfr = () => [reply([soa, ...body.slice(0, 2)]), { ...reply([...body.slice(2), soa]), questions: [] }];
    if (q.type === RRType.AXFR) { this.log.push('AXFR'); return axfr(); }
    const from = (request.authorities[0]!.data as SOAData).serial;
    this.log.push(`IXFR ${from}`);
    if (this.ixfr === 'refuse') return [reply([], Rcode.NOTIMP)];
    if (from === this.serial) return [reply([soa])];
    const chain = [...this.versions.keys()].sort((x, y) => x - y).filter((s) => s >= from);
    if (this.ixfr === 'full' || chain[0] !== from) return axfr();
    const out: ResourceRecord[] = [soa];
    for (let i = 0; i + 1 < chain.length; i++) {
      const before = this.versions.get(chain[i]!)!;
      const after = this.versions.get(chain[i + 1]!)!;
      const bk = new Set(before.map(key));
      const ak = new Set(after.map(key));
      out.push(before[0]!, ...before.slice(1).filter((r) => !ak.has(key(r))), after[0]!, ...after.slice(1).filter((r) => !bk.has(key(r))));
    }
    out.push(soa);
    return [reply(out)];
  }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export class FakeTransport implements XfrTransport {
  constructor(private readonly primaries: ReadonlyMap<string, FakePrimary>) {}

  private primary(p: PrimaryServer): FakePrimary {
    const f = this.primaries.get(p.address);
    if (!f?.reachable) throw new Error(`no answer over UDP in 2 × 2000 ms`);
    return f;
  }

  async query(p: PrimaryServer, request: DnsMessage): Promise<DnsMessage> {
    await tick();
    return this.primary(p).answer(request)[0]!;
  }

  async transfer(p: PrimaryServer, request: DnsMessage, onMessage: (m: DnsMessage, bytes: number) => boolean): Promise<void> {
    await tick();
    for (const m of this.primary(p).answer(request)) {
      if (onMessage(m, 512)) return;
    }
  }
}

/** A zone's copy files in memory; `failWrites` makes every write reject (a full disk). */
export class MemoryCopyFiles implements ZoneCopyFiles {
  readonly path = '/memory/voice.example.com.zone';
  copy?: string;
  timers?: string;
  writes = 0;
  failWrites = false;

  async read(): Promise<{ copy?: string; timers?: string }> {
    return { ...(this.copy !== undefined ? { copy: this.copy } : {}), ...(this.timers !== undefined ? { timers: this.timers } : {}) };
  }

  async writeCopy(text: string): Promise<void> {
    if (this.failWrites) throw new Error('ENOSPC');
    this.writes++;
    this.copy = text;
  }

  async writeTimers(text: string): Promise<void> {
    if (this.failWrites) throw new Error('ENOSPC');
    this.writes++;
    this.timers = text;
  }
}
