// Serial number arithmetic (RFC 1982, SERIAL_BITS = 32): how SOA serials are compared
// and advanced. Serials live on a circle of 2^32 values: s1 is newer than s2 when it
// is less than 2^31 steps ahead of it. Two serials exactly 2^31 apart are not
// comparable (RFC 1982 §3.2 leaves the result undefined): compareSerial says so.

const HALF = 2 ** 31;
const SPACE = 2 ** 32;

export type SerialOrder = 'older' | 'same' | 'newer' | 'undefined';

function check(s: number, what: string): void {
  if (!Number.isInteger(s) || s < 0 || s >= SPACE) throw new RangeError(`${what}: ${s} is not a 32-bit serial`);
}

/** How `s` stands against `reference`: newer (greater, RFC 1982 §3.2), older, the same, or undefined (2^31 apart). */
export function compareSerial(s: number, reference: number): SerialOrder {
  check(s, 'serial');
  check(reference, 'reference serial');
  if (s === reference) return 'same';
  const ahead = (s - reference + SPACE) % SPACE;
  if (ahead === HALF) return 'undefined';
  return ahead < HALF ? 'newer' : 'older';
}

/** s1 > s2 in serial arithmetic. */
export function serialGreater(s1: number, s2: number): boolean {
  return compareSerial(s1, s2) === 'newer';
}

/** s + n (RFC 1982 §3.1: n in 0 .. 2^31 − 1), wrapping at 2^32. */
export function serialAdd(s: number, n: number): number {
  check(s, 'serial');
  if (!Number.isInteger(n) || n < 0 || n >= HALF) throw new RangeError(`serialAdd: ${n} is not in 0..2^31-1`);
  return (s + n) % SPACE;
}
