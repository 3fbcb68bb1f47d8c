// Random DNS UPDATE messages for fuzz runs (test/protocol/dns-update-fuzz.test.ts, the
// lab's dns-fuzz-send.ts): for the zone example.com — names in and out of it, a
// wildcard, the apex; types with data, meta types, CNAME, SOA, NS, DHCID; classes IN,
// ANY, NONE and others; TTLs; up to 2 prerequisites and 1–4 updates. Some do not encode
// (empty data in class IN): the encoder refuses them, as it should.
import { updateMessage } from '../../src/protocol/ddns/update-message.js';
import { DHCID_TYPE, RRClass, RRType, type DnsMessage, type RData, type ResourceRecord } from '../../src/wire/dns/index.js';

const NAMES = ['example.com.', 'www.example.com.', 'alias.example.com.', 'a.example.com.', 'b.a.example.com.', '*.example.com.', 'ns1.example.com.', 'sub.example.com.', 'ns.sub.example.com.', 'x.example.net.', 'com.', 'A.EXAMPLE.COM.'];
const TYPES = [RRType.A, RRType.AAAA, RRType.TXT, RRType.CNAME, RRType.NS, RRType.SOA, RRType.MX, RRType.PTR, RRType.DNAME, DHCID_TYPE, RRType.ANY, RRType.AXFR, 0, 41, 250, 99];
const CLASSES = [RRClass.IN, RRClass.IN, RRClass.ANY, RRClass.NONE, RRClass.CH, 0];
const META = [RRType.ANY, RRType.AXFR, 0, 41, 250];

/** A generator of random updates drawing from `rnd` (a seeded PRNG). */
export function randomUpdate(rnd: () => number): (id: number) => DnsMessage {
  const int = (n: number) => Math.floor(rnd() * n);
  const pick = <T>(a: readonly T[]) => a[int(a.length)]!;
  const data = (type: number, name: string): RData => {
    switch (type) {
      case RRType.A: return { address: `192.0.2.${int(4)}` };
      case RRType.AAAA: return { address: `2001:db8::${int(4)}` };
      case RRType.TXT: return { strings: [Buffer.from(pick(['x', 'y', '']))] };
      case RRType.CNAME: case RRType.DNAME: return { target: pick(NAMES) };
      case RRType.NS: case RRType.PTR: return { host: pick(NAMES) };
      case RRType.MX: return { preference: int(3), exchange: pick(NAMES) };
      case RRType.SOA: return { mname: 'ns1.example.com.', rname: name, serial: (4294967000 + int(600)) % 2 ** 32, refresh: 3600, retry: 600, expire: 1209600, minimum: int(2) ? 300 : 0 };
      default: return { opaque: Buffer.from([int(256), int(256)]) };
    }
  };
  const record = (prerequisite: boolean): ResourceRecord => {
    const name = pick(NAMES);
    const type = pick(TYPES);
    const cls = pick(CLASSES);
    const empty = cls === RRClass.ANY || cls === RRClass.NONE ? int(5) > 0 : int(20) === 0;
    const ttl = prerequisite || cls !== RRClass.IN ? (int(10) === 0 ? 60 : 0) : pick([0, 60, 300, 300, 2 ** 31 - 1]);
    return { name, type, class: cls, ttl, data: empty || META.includes(type) ? { opaque: Buffer.alloc(0) } : data(type, name) };
  };
  return (id) => updateMessage(id, int(20) === 0 ? pick(NAMES) : 'example.com.', Array.from({ length: int(3) }, () => record(true)), Array.from({ length: 1 + int(4) }, () => record(false)));
}
