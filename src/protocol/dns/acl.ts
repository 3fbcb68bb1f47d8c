// Who may transfer a zone (dns.zones[].allowTransfer, docs/dns.md "Transfers out"):
// a list of allow rules, deny by default. A rule matches when the client's address is
// in one of its `from` prefixes (if it has any) and the request was signed with its
// `key` (if it names one). The key is the name of the TSIG key the request's signature
// was verified with, given by the caller (undefined for an unsigned request): this
// module checks names, never signatures.
import { ipv4FromString } from '../../wire/ipv4.js';
import { ipv6Bytes } from '../../wire/dns/address.js';

export interface AccessRule {
  readonly from?: readonly string[];
  readonly key?: string;
}

/** A client address: text (IPv4, IPv6, IPv4-mapped IPv6, with or without a zone index) or an IPv4 address as a u32. */
export type ClientAddress = string | number;

interface Prefix {
  readonly v4: boolean;
  /** IPv4: the address as u32 in [0]; IPv6: 16 bytes. */
  readonly bytes: Uint8Array;
  readonly length: number;
}

interface CompiledRule {
  readonly prefixes: readonly Prefix[] | undefined;
  readonly key: string | undefined;
}

export class TransferAcl {
  private constructor(private readonly rules: readonly CompiledRule[]) {}

  /** Nobody: the default of a zone without rules. */
  static readonly DENY_ALL = new TransferAcl([]);

  /** Compiles validated rules (dns-validate.ts checked every prefix); throws RangeError on one that does not parse. */
  static compile(rules: readonly AccessRule[]): TransferAcl {
    return new TransferAcl(rules.map((r) => ({ prefixes: r.from?.map(parsePrefix), key: r.key === undefined ? undefined : keyName(r.key) })));
  }

  get size(): number {
    return this.rules.length;
  }

  /** Whether a request from `client`, signed with `tsigKey` (undefined: unsigned), is allowed. */
  allows(client: ClientAddress, tsigKey: string | undefined): boolean {
    if (this.rules.length === 0) return false;
    const address = parseClient(client);
    const signedBy = tsigKey === undefined ? undefined : keyName(tsigKey);
    for (const rule of this.rules) {
      if (rule.key !== undefined && rule.key !== signedBy) continue;
      if (rule.prefixes === undefined) return true;
      if (address !== undefined && rule.prefixes.some((p) => contains(p, address))) return true;
    }
    return false;
  }
}

/** Key names compare as domain names: case-insensitive, trailing dot or not. */
function keyName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

function parsePrefix(text: string): Prefix {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const parsed = parseClient(address);
  if (parsed === undefined) throw new RangeError(`${text} is not an address or prefix`);
  const max = parsed.v4 ? 32 : 128;
  const length = slash < 0 ? max : Number(text.slice(slash + 1));
  if (!Number.isInteger(length) || length < 0 || length > max) throw new RangeError(`${text}: prefix length out of range`);
  return { ...parsed, length };
}

/** The address family and bits of a client; IPv4-mapped IPv6 (::ffff:a.b.c.d, from a dual-stack socket) counts as IPv4. */
function parseClient(client: ClientAddress): Omit<Prefix, 'length'> | undefined {
  if (typeof client === 'number') return { v4: true, bytes: u32Bytes(client) };
  const text = client.includes('%') ? client.slice(0, client.indexOf('%')) : client;
  try {
    if (!text.includes(':')) return { v4: true, bytes: u32Bytes(ipv4FromString(text)) };
    const b = ipv6Bytes(text);
    if (b.readUInt32BE(0) === 0 && b.readUInt32BE(4) === 0 && b.readUInt32BE(8) === 0xffff) return { v4: true, bytes: b.subarray(12) };
    return { v4: false, bytes: b };
  } catch {
    return undefined;
  }
}

function u32Bytes(n: number): Uint8Array {
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

function contains(p: Prefix, a: Omit<Prefix, 'length'>): boolean {
  if (p.v4 !== a.v4) return false;
  const whole = p.length >>> 3;
  for (let i = 0; i < whole; i++) if (p.bytes[i] !== a.bytes[i]) return false;
  const bits = p.length & 7;
  if (bits === 0) return true;
  const mask = (0xff << (8 - bits)) & 0xff;
  return (p.bytes[whole]! & mask) === (a.bytes[whole]! & mask);
}
