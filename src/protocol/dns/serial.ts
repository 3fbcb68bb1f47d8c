// SOA serial numbers compare in RFC 1982 sequence space arithmetic (32 bits): a serial
// is newer when it is ahead by less than 2^31. Two serials 2^31 apart are not
// comparable; both directions then say "not newer", so nothing acts on them.

/** Whether serial `a` is newer than `b` (RFC 1982 §3.2, SERIAL_BITS 32). */
export function serialNewer(a: number, b: number): boolean {
  const d = (a - b) >>> 0;
  return d !== 0 && d < 0x80000000;
}
