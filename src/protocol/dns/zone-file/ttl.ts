// TTLs and SOA timers in a zone file: seconds ("3600") or BIND units, any case,
// in any order ("1w2d3h4m5s", "1H30M"). A value is an unsigned 32-bit number; the
// 31-bit limit of RFC 2181 §8 is a content rule (zone-validate.ts).

export const MAX_U32 = 0xffffffff;

const UNIT_SECONDS: Readonly<Record<string, number>> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };

/** True when the token looks like a TTL (starts with a digit), so it is read as one. */
export function looksLikeTtl(text: string): boolean {
  const c = text.charCodeAt(0);
  return c >= 0x30 && c <= 0x39;
}

/** Seconds, or a string saying why the text is not a TTL. */
export function parseTtl(text: string): number | string {
  let total = 0;
  let value = -1; // digits read since the last unit, -1 when none
  let units = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      value = (value < 0 ? 0 : value * 10) + (c - 0x30);
      if (value > MAX_U32) return `TTL "${text}" is above ${MAX_U32}`;
      continue;
    }
    const unit = UNIT_SECONDS[text[i]!.toLowerCase()];
    if (unit === undefined || value < 0) return `"${text}" is not a TTL (seconds, or units such as 1w2d3h4m5s)`;
    total += value * unit;
    value = -1;
    units = true;
    if (total > MAX_U32) return `TTL "${text}" is above ${MAX_U32} seconds`;
  }
  if (value >= 0) {
    if (units) return `"${text}" is not a TTL: a number after units needs its unit`;
    total = value;
  }
  if (!units && value < 0) return `"${text}" is not a TTL`;
  return total;
}
