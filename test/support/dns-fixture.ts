// Building blocks for DNS codec tests: the captured messages of test/fixtures/dns/,
// a message with defaults, one record of every type the codec knows, and a fast
// structural equality (Buffers by content) for fuzz runs.
import { join } from 'node:path';
import type { DnsFlags, DnsMessage, ResourceRecord } from '../../src/wire/dns/index.js';
import { hex, hexFixtures, type HexFixture } from './hex-fixtures.js';
import { repoRoot } from './paths.js';

export { hex };
export type DnsFixture = HexFixture;

export const dnsFixtureDir = join(repoRoot, 'test', 'fixtures', 'dns');

export function dnsFixtures(): DnsFixture[] {
  return hexFixtures(dnsFixtureDir);
}

export const NO_FLAGS: DnsFlags = { qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, z: false, ad: false, cd: false };

export function message(init: Partial<Omit<DnsMessage, 'flags'>> & { flags?: Partial<DnsFlags> } = {}): DnsMessage {
  const { flags, ...rest } = init;
  return { id: 0x2b1c, rcode: 0, questions: [], answers: [], authorities: [], additionals: [], ...rest, flags: { ...NO_FLAGS, ...flags } };
}

export const rr = (name: string, type: number, data: ResourceRecord['data'], ttl = 3600, cls = 1): ResourceRecord => ({ name, type, class: cls, ttl, data });

const b = (s: string) => Buffer.from(s, 'latin1');

/** One record of every type in RDataMap, plus opaque ones (DNSSEC and unknown types). */
export function everyType(): ResourceRecord[] {
  return [
    rr('host.example.com.', 1, { address: '192.0.2.80' }),
    rr('example.com.', 2, { host: 'ns1.example.com.' }),
    rr('www.example.com.', 5, { target: 'host.example.com.' }),
    rr('example.com.', 6, { mname: 'ns1.example.com.', rname: 'hostmaster.example.com.', serial: 2026113001, refresh: 7200, retry: 3600, expire: 1209600, minimum: 300 }),
    rr('ptr.example.com.', 12, { host: 'host.example.com.' }),
    rr('example.com.', 13, { cpu: b('x86-64'), os: b('Debian') }),
    rr('example.com.', 15, { preference: 10, exchange: 'mail.example.com.' }),
    rr('example.com.', 16, { strings: [b('v=spf1 mx -all'), Buffer.alloc(0), Buffer.alloc(255, 0x78)] }),
    rr('host.example.com.', 28, { address: '2001:db8::80' }),
    rr('_sip._udp.example.com.', 33, { priority: 10, weight: 60, port: 5060, target: 'pbx.example.com.' }),
    rr('sip.example.com.', 35, { order: 100, preference: 10, flags: b('S'), services: b('SIP+D2U'), regexp: Buffer.alloc(0), replacement: '_sip._udp.example.com.' }),
    rr('voice.example.com.', 39, { target: 'voice.example.net.' }),
    rr('example.com.', 257, { flags: 128, tag: 'issue', value: b('ca.example.net; account=230123') }),
    rr('example.com.', 48, { opaque: hex('0101030d') }),
    rr('example.com.', 46, { opaque: hex('0006 0d 02 00000e10 6789abcd 67000000 1234 076578616d706c6503636f6d00 deadbeef') }),
    rr('example.com.', 65280, { opaque: Buffer.alloc(0) }),
  ];
}

/** Structural equality, Buffers by content; what deepStrictEqual checks, fast enough for fuzz loops. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a)) return Buffer.isBuffer(b) && a.equals(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameValue(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}
