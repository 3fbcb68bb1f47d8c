// Type and class mnemonics of a zone file, and RFC 3597's TYPE<n> / CLASS<n>.
import { RRClass, RRType } from '../../../wire/dns/types.js';

/** Types that have a mnemonic here (the codec's, plus a few common ones read in generic form). */
const TYPE_NUMBERS: ReadonlyMap<string, number> = new Map<string, number>([
  ...Object.entries(RRType),
  ['RP', 17], ['AFSDB', 18], ['SIG', 24], ['KEY', 25], ['LOC', 29], ['NXT', 30], ['CERT', 37], ['SMIMEA', 53],
  ['HIP', 55], ['DHCID', 49], ['CDS', 59], ['CDNSKEY', 60], ['OPENPGPKEY', 61], ['CSYNC', 62], ['ZONEMD', 63], ['SPF', 99],
  ['URI', 256],
]);
const TYPE_NAMES: ReadonlyMap<number, string> = new Map([...TYPE_NUMBERS].map(([k, v]) => [v, k]));

const CLASS_NUMBERS: ReadonlyMap<string, number> = new Map(Object.entries(RRClass));
const CLASS_NAMES: ReadonlyMap<number, string> = new Map([...CLASS_NUMBERS].map(([k, v]) => [v, k]));

/** Meta and question types (RFC 6895 §3.1): OPT, 128–255 (TKEY, TSIG, IXFR, AXFR, ANY…) and 0. */
export function isMetaType(type: number): boolean {
  return type === 0 || type === RRType.OPT || (type >= 128 && type <= 255);
}

function numbered(prefix: string, upper: string): number | undefined {
  if (!upper.startsWith(prefix)) return undefined;
  const digits = upper.slice(prefix.length);
  if (!/^\d{1,5}$/.test(digits)) return undefined;
  const n = Number(digits);
  return n <= 0xffff ? n : undefined;
}

/** Type number of a mnemonic or TYPE<n>, any case; undefined when unknown. */
export function typeFromText(text: string): number | undefined {
  const upper = text.toUpperCase();
  return TYPE_NUMBERS.get(upper) ?? numbered('TYPE', upper);
}

export function typeToText(type: number): string {
  return TYPE_NAMES.get(type) ?? `TYPE${type}`;
}

/** Class number of IN, CH, HS, NONE, ANY or CLASS<n>, any case; undefined when not a class. */
export function classFromText(text: string): number | undefined {
  const upper = text.toUpperCase();
  return CLASS_NUMBERS.get(upper) ?? numbered('CLASS', upper);
}

export function classToText(cls: number): string {
  return CLASS_NAMES.get(cls) ?? `CLASS${cls}`;
}
