// Address rules for the network lab. Lab tests must never configure an address
// that could collide with a real network, so every address, prefix or route the
// lab is asked to configure is checked here first.

/** The only ranges the lab may configure: loopback and the documentation/benchmark blocks. */
export const LAB_RANGES: readonly string[] = [
  '127.0.0.0/8',
  '::1',
  '192.0.2.0/24', // TEST-NET-1 (RFC 5737)
  '198.51.100.0/24', // TEST-NET-2
  '203.0.113.0/24', // TEST-NET-3
  '198.18.0.0/15', // benchmarking (RFC 2544)
];

export class LabAddressError extends Error {
  readonly allowed = LAB_RANGES;
  constructor(
    readonly address: string,
    why: string,
  ) {
    super(`lab address "${address}" refused: ${why}; allowed ranges: ${LAB_RANGES.join(', ')}`);
    this.name = 'LabAddressError';
  }
}

interface Ipv4Range {
  readonly base: number;
  readonly prefix: number;
}

const IPV4_RANGES: readonly Ipv4Range[] = LAB_RANGES.filter((r) => !r.includes(':')).map((r) => {
  const [addr, len] = r.split('/');
  return { base: parseIpv4(addr ?? '') ?? 0, prefix: Number(len) };
});

/** Parses dotted-quad IPv4 strictly (four decimal octets, no leading zeros); null if not one. */
export function parseIpv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value;
}

/** Parses IPv6 text into eight 16-bit groups; null if not IPv6 (zone ids and embedded IPv4 refused). */
export function parseIpv6(text: string): number[] | null {
  if (!/^[0-9a-fA-F:]+$/.test(text) || text.includes(':::')) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

function ipv4InRange(value: number, prefix: number, range: Ipv4Range): boolean {
  const mask = maskOf(range.prefix);
  return prefix >= range.prefix && (value & mask) >>> 0 === (range.base & mask) >>> 0;
}

function isLoopbackV6(groups: number[]): boolean {
  return groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1;
}

/**
 * Throws LabAddressError unless `addressOrCidr` (an address, or address/prefix) lies wholly
 * inside one lab range. A prefix counts: 192.0.2.1/16 is refused because the connected
 * route it creates covers 192.0.0.0/16.
 */
export function assertLabAddress(addressOrCidr: string): void {
  const slash = addressOrCidr.indexOf('/');
  const address = slash === -1 ? addressOrCidr : addressOrCidr.slice(0, slash);
  const prefixText = slash === -1 ? undefined : addressOrCidr.slice(slash + 1);

  const v4 = parseIpv4(address);
  if (v4 !== null) {
    const prefix = prefixText === undefined ? 32 : strictPrefix(prefixText, 32);
    if (prefix === null) throw new LabAddressError(addressOrCidr, 'malformed prefix length');
    if (!IPV4_RANGES.some((range) => ipv4InRange(v4, prefix, range))) {
      throw new LabAddressError(addressOrCidr, 'outside the lab ranges');
    }
    return;
  }

  const v6 = parseIpv6(address);
  if (v6 !== null) {
    const prefix = prefixText === undefined ? 128 : strictPrefix(prefixText, 128);
    if (prefix === null) throw new LabAddressError(addressOrCidr, 'malformed prefix length');
    if (prefix !== 128 || !isLoopbackV6(v6)) {
      throw new LabAddressError(addressOrCidr, 'the only IPv6 address allowed is ::1/128');
    }
    return;
  }

  throw new LabAddressError(addressOrCidr, 'not an IPv4 or IPv6 address');
}

function strictPrefix(text: string, max: number): number | null {
  if (!/^(0|[1-9][0-9]{0,2})$/.test(text)) return null;
  const value = Number(text);
  return value <= max ? value : null;
}

/** True when assertLabAddress would accept it. */
export function isLabAddress(addressOrCidr: string): boolean {
  try {
    assertLabAddress(addressOrCidr);
    return true;
  } catch {
    return false;
  }
}

/** The address part of "addr/prefix" (or the address itself). */
export function addressOf(addressOrCidr: string): string {
  const slash = addressOrCidr.indexOf('/');
  return slash === -1 ? addressOrCidr : addressOrCidr.slice(0, slash);
}
