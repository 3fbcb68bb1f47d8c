// What is wrong with a zone file or a zone's content, in one shape for the reader
// (zone-file/reader.ts) and the validator (zone-validate.ts). Each problem has a stable
// machine `kind` (documented in docs/dns.md, kept in step by a unit test), a severity,
// where it came from when known (file, line, column) and a reason in an
// administrator's words: "MX preference 70000 is above 65535".
import type { Code } from '../../core/codes.js';
import { OutpostError } from '../../core/errors.js';

export type ZoneProblemSeverity = 'error' | 'warning';

/** Every kind of problem, its severity and what it means. Kinds are never renamed or reused. */
export const ZONE_PROBLEM_KINDS = {
  // Reading a zone file (errors: the file is refused).
  'syntax': ['error', 'The text cannot be split into tokens: a parenthesis never closed or closed without being opened, a quoted string not closed on its line, a backslash at the end of a line.'],
  'bad-directive': ['error', 'A $ line is not $ORIGIN, $TTL or $INCLUDE, or has missing or extra arguments ($GENERATE is not supported).'],
  'bad-origin': ['error', 'The origin given by the caller or by $ORIGIN / $INCLUDE is not an absolute domain name.'],
  'bad-name': ['error', 'A domain name cannot be read: an empty label, a label over 63 bytes, a name over 255 bytes, a bad escape, or quotes around it.'],
  'no-owner': ['error', 'A record starts with blank space (same owner as the previous record) but no record came before it in this file.'],
  'bad-ttl': ['error', 'A TTL is neither a number nor BIND units (1w2d3h4m5s), or is above 4294967295.'],
  'no-ttl': ['error', 'A record has no TTL and none applies: no $TTL, no default TTL, no earlier explicit TTL and it is not the SOA.'],
  'bad-class': ['error', 'A class is unknown, not a data class (NONE, ANY), or differs from the zone\'s class (IN, or the class of the SOA).'],
  'bad-type': ['error', 'A type is missing or unknown (write TYPE<n> with RFC 3597 data), or is a meta type (OPT, TSIG, TKEY, IXFR, AXFR, ANY) that never appears in a zone file.'],
  'bad-rdata': ['error', 'The record data does not fit its type: a field missing or left over, a number out of range, an address, hex, base64 or character string that cannot be read, RFC 3597 data whose length disagrees.'],
  'include-failed': ['error', 'An $INCLUDE cannot be followed: no readFile was given, or the file cannot be read.'],
  'include-loop': ['error', 'An $INCLUDE names a file that is already being read (a loop).'],
  'include-depth': ['error', 'Included files nest deeper than the limit (maxIncludeDepth).'],
  'too-large': ['error', 'The zone file, with what it includes, is larger than the limit (maxBytes).'],
  'too-many-records': ['error', 'The zone file holds more records than the limit (maxRecords).'],
  'too-many-errors': ['error', 'Reading stopped after this many errors (maxErrors); later lines were not checked.'],
  // Reading a zone file (warnings: the file is read).
  'ttl-from-soa': ['warning', 'The SOA has no TTL and there is no $TTL: its MINIMUM field is used as its TTL (as BIND does), and as the last TTL stated for later records without one.'],
  'ttl-from-previous': ['warning', 'A record has no TTL and there is no $TTL: the last explicit TTL is used (RFC 1035 §5.1); put $TTL at the top instead.'],
  // Zone content (zone-validate.ts).
  'no-soa': ['error', 'The zone has no SOA record at its apex.'],
  'multiple-soa': ['error', 'The zone has more than one SOA record; exactly one is allowed (RFC 1035 §5.2).'],
  'soa-not-at-apex': ['error', 'An SOA record is not at the zone apex.'],
  'no-apex-ns': ['error', 'The zone has no NS records at its apex (RFC 1035 §4.2.1): no server would be authoritative.'],
  'cname-and-other-data': ['error', 'A name with a CNAME has other data besides RRSIG and NSEC (RFC 1034 §3.6.2, RFC 2181 §10.1).'],
  'multiple-cname': ['error', 'A name has more than one CNAME record (RFC 2181 §10.1).'],
  'multiple-dname': ['error', 'A name has more than one DNAME record (RFC 6672 §2.4).'],
  'below-dname': ['error', 'Data below a DNAME owner (RFC 6672 §2.3: no records may exist below it; they would never be answered).'],
  'below-delegation': ['warning', 'Data below a zone cut that is not glue: it is not authoritative and never answered (occluded).'],
  'out-of-zone': ['error', 'A record\'s owner is not the zone apex or below it.'],
  'missing-glue': ['error', 'An NS target inside the zone has no A or AAAA record here (below a delegation that is missing glue; at the apex the server is unreachable by name).'],
  'ds-at-apex': ['error', 'A DS record at the zone apex: DS records belong at delegation points (RFC 4034 §5), the apex\'s in the parent zone.'],
  'ttl-range': ['error', 'A TTL is above 2147483647 (RFC 2181 §8: TTLs are 31-bit).'],
  'class-mismatch': ['error', 'A record\'s class differs from the class of the SOA.'],
  'duplicate': ['warning', 'The same record (name, type, class, data) appears more than once; the copies are collapsed into one.'],
  'ttl-mismatch': ['warning', 'Records of one RRset have different TTLs; all get the lowest (RFC 2181 §5.2).'],
  'target-is-cname': ['warning', 'An NS, MX or SRV target is the owner of a CNAME in this zone (RFC 2181 §10.3: it must name an address directly).'],
} as const satisfies Record<string, readonly [ZoneProblemSeverity, string]>;

export type ZoneProblemKind = keyof typeof ZONE_PROBLEM_KINDS;

/** One problem of a zone file or zone. */
export interface ZoneProblem {
  readonly code: Code;
  readonly kind: ZoneProblemKind;
  readonly severity: ZoneProblemSeverity;
  /** The file it was found in (the name given to the reader, or the $INCLUDE path). */
  readonly file?: string;
  /** 1-based line, when known. */
  readonly line?: number;
  /** 1-based column, when known. */
  readonly column?: number;
  /** Owner name of the record concerned, when there is one. */
  readonly owner?: string;
  /** Type number of the record concerned, when there is one. */
  readonly type?: number;
  readonly reason: string;
}

/** Where a record came from. */
export interface SourcePosition {
  /** Absent when the caller named no file. */
  readonly file?: string;
  readonly line: number;
}

export function severityOf(kind: ZoneProblemKind): ZoneProblemSeverity {
  return ZONE_PROBLEM_KINDS[kind][0];
}

/** "zone.db:12:5: MX preference 70000 is above 65535" (file and line when known). */
export function formatZoneProblem(p: ZoneProblem): string {
  let where = p.file ?? '';
  if (p.line !== undefined) where += `${where ? ':' : 'line '}${p.line}${p.column !== undefined ? `:${p.column}` : ''}`;
  return where ? `${where}: ${p.reason}` : p.reason;
}

/**
 * One thing wrong with a piece of zone text (a token, a line): thrown by the lexer and
 * by rdataFromText, caught by the reader, which adds the file. `line`/`column` point at
 * the offending token when known.
 */
export class ZoneTextError extends Error {
  constructor(
    readonly kind: ZoneProblemKind,
    readonly reason: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(reason);
    this.name = 'ZoneTextError';
  }
}

/** A zone file that cannot be read: every error found (up to maxErrors), and the warnings so far. */
export class ZoneFileError extends OutpostError {
  constructor(
    readonly problems: readonly ZoneProblem[],
    readonly warnings: readonly ZoneProblem[],
  ) {
    const shown = problems.slice(0, 5).map(formatZoneProblem);
    const more = problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : '';
    super('DNS_ZONE_FILE_INVALID', `zone file refused: ${shown.join('; ')}${more}`, problems.map(formatZoneProblem));
    this.name = 'ZoneFileError';
  }
}
