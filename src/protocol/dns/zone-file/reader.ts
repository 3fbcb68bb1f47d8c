// The zone file reader: RFC 1035 §5.1 master files with RFC 2308's $TTL and BIND's
// TTL units, into ResourceRecords. Pure: an $INCLUDE goes through the caller's
// readFile. Every error is collected (up to maxErrors) and names its file and line;
// the file is refused with one ZoneFileError holding them all. Where each record came
// from is kept beside the records (`sources`), never inside them.
import { posix } from 'node:path';
import { RRClass, RRType, type ResourceRecord, type RData } from '../../../wire/dns/types.js';
import {
  ZoneFileError, ZoneTextError, severityOf,
  type SourcePosition, type ZoneProblem, type ZoneProblemKind,
} from '../zone-problem.js';
import { ZoneLexer, type LogicalLine, type ZoneToken } from './lexer.js';
import { classFromText, classToText, typeFromText, typeToText } from './mnemonics.js';
import { canonicalName, nameFromToken } from './names.js';
import { rdataFromText } from './rdata-text.js';
import { looksLikeTtl, parseTtl } from './ttl.js';

export interface ZoneFileLimits {
  /** UTF-8 bytes of the file and everything it includes, together. */
  readonly maxBytes: number;
  readonly maxRecords: number;
  /** How deep $INCLUDEs may nest (the top file is depth 0). */
  readonly maxIncludeDepth: number;
  /** Reading stops after this many errors. */
  readonly maxErrors: number;
}

export const DEFAULT_ZONE_FILE_LIMITS: ZoneFileLimits = {
  maxBytes: 256 * 1024 * 1024,
  maxRecords: 2_000_000,
  maxIncludeDepth: 8,
  maxErrors: 100,
};

export interface ZoneFileOptions {
  /** The zone's origin, absolute ("example.com."): "@" and relative names are completed with it. */
  readonly origin: string;
  /** The file's name in messages, and the directory relative $INCLUDE paths start from. */
  readonly file?: string;
  /** Reads an included file (the path is the $INCLUDE argument resolved against the including file's directory). */
  readonly readFile?: (path: string) => string;
  /** TTL of records without one, before any $TTL (as if the file started with $TTL). */
  readonly defaultTtl?: number;
  readonly limits?: Partial<ZoneFileLimits>;
}

export interface ZoneFileResult {
  /** In file order (an included file's records where its $INCLUDE was). */
  readonly records: ResourceRecord[];
  readonly warnings: ZoneProblem[];
  /** Where each record came from. */
  readonly sources: ReadonlyMap<ResourceRecord, SourcePosition>;
}

/** Thrown inside the reader to stop at a limit; never escapes it. */
class StopReading extends Error {}

/** One file being read: its name, origin and the owner of its previous record. */
interface FileContext {
  readonly file: string | undefined;
  origin: string;
  owner: string | undefined;
}

class Reader {
  readonly records: ResourceRecord[] = [];
  readonly sources = new Map<ResourceRecord, SourcePosition>();
  readonly errors: ZoneProblem[] = [];
  readonly warnings: ZoneProblem[] = [];
  private readonly limits: ZoneFileLimits;
  private bytes = 0;
  private readonly reading: string[] = [];
  /** $TTL (or the caller's default). */
  private dollarTtl: number | undefined;
  /** The last explicit TTL, or the SOA minimum when the SOA had none (RFC 1035's "last stated TTL"). */
  private lastTtl: number | undefined;
  private warnedPrevious = false;
  private zoneClass: number = RRClass.IN;
  private classSettled = false;

  constructor(private readonly options: ZoneFileOptions) {
    this.limits = { ...DEFAULT_ZONE_FILE_LIMITS, ...options.limits };
    this.dollarTtl = options.defaultTtl;
  }

  private problem(ctx: FileContext | undefined, kind: ZoneProblemKind, reason: string, line?: number, column?: number, record?: { owner?: string; type?: number }): ZoneProblem {
    const severity = severityOf(kind);
    return {
      code: severity === 'error' ? 'DNS_ZONE_FILE_INVALID' : 'DNS_ZONE_WARNING',
      kind,
      severity,
      ...(ctx?.file !== undefined && { file: ctx.file }),
      ...(line !== undefined && { line }),
      ...(column !== undefined && { column }),
      ...(record?.owner !== undefined && { owner: record.owner }),
      ...(record?.type !== undefined && { type: record.type }),
      reason,
    };
  }

  error(ctx: FileContext | undefined, kind: ZoneProblemKind, reason: string, line?: number, column?: number): void {
    this.errors.push(this.problem(ctx, kind, reason, line, column));
    if (this.errors.length >= this.limits.maxErrors) {
      this.errors.push(this.problem(ctx, 'too-many-errors', `stopped after ${this.limits.maxErrors} errors`, line));
      throw new StopReading();
    }
  }

  private warn(ctx: FileContext, kind: ZoneProblemKind, reason: string, line: number, owner: string, type: number): void {
    this.warnings.push(this.problem(ctx, kind, reason, line, undefined, { owner, type }));
  }

  /** Reads one file's text; `depth` 0 is the top file. */
  readText(text: string, ctx: FileContext, depth: number): void {
    this.bytes += text.length > this.limits.maxBytes ? text.length : Buffer.byteLength(text);
    if (this.bytes > this.limits.maxBytes) {
      this.error(ctx, 'too-large', `the zone file with what it includes is over ${this.limits.maxBytes} bytes (limit maxBytes)`);
      throw new StopReading();
    }
    if (ctx.file !== undefined) this.reading.push(posix.normalize(ctx.file));
    const lexer = new ZoneLexer(text);
    for (;;) {
      let line: LogicalLine | null;
      try {
        line = lexer.next();
      } catch (err) {
        if (!(err instanceof ZoneTextError)) throw err;
        this.error(ctx, err.kind, err.reason, err.line, err.column);
        continue;
      }
      if (line === null) break;
      try {
        const first = line.tokens[0]!;
        if (!line.blankOwner && !first.quoted && first.text.startsWith('$')) this.directive(line, ctx, depth);
        else this.record(line, ctx);
      } catch (err) {
        if (!(err instanceof ZoneTextError)) throw err;
        this.error(ctx, err.kind, err.reason, err.line ?? line.line, err.column);
      }
    }
    if (ctx.file !== undefined) this.reading.pop();
  }

  private directive(line: LogicalLine, ctx: FileContext, depth: number): void {
    const [first, ...args] = line.tokens as [ZoneToken, ...ZoneToken[]];
    const name = first.text.toUpperCase();
    const want = (min: number, max: number, usage: string) => {
      if (args.length < min || args.length > max) throw new ZoneTextError('bad-directive', `${name} takes ${usage}`, first.line, first.column);
    };
    if (name === '$ORIGIN') {
      want(1, 1, 'one domain name');
      ctx.origin = this.originFrom(args[0]!, ctx.origin);
    } else if (name === '$TTL') {
      want(1, 1, 'one TTL');
      this.dollarTtl = ttlFrom(args[0]!);
    } else if (name === '$INCLUDE') {
      want(1, 2, 'a file name and optionally an origin');
      this.include(args[0]!, args[1] === undefined ? ctx.origin : this.originFrom(args[1], ctx.origin), ctx, depth);
    } else if (name === '$GENERATE') {
      throw new ZoneTextError('bad-directive', '$GENERATE is not supported: write the records out', first.line, first.column);
    } else {
      throw new ZoneTextError('bad-directive', `unknown directive ${first.text} (known: $ORIGIN, $TTL, $INCLUDE)`, first.line, first.column);
    }
  }

  private originFrom(token: ZoneToken, current: string): string {
    try {
      return nameFromToken(token, current);
    } catch (err) {
      if (err instanceof ZoneTextError) throw new ZoneTextError('bad-origin', `origin ${err.reason}`, err.line, err.column);
      throw err;
    }
  }

  private include(fileToken: ZoneToken, origin: string, ctx: FileContext, depth: number): void {
    const at = (kind: ZoneProblemKind, reason: string) => new ZoneTextError(kind, reason, fileToken.line, fileToken.column);
    const readFile = this.options.readFile;
    if (readFile === undefined) throw at('include-failed', `$INCLUDE ${fileToken.text}: including files is not allowed here (no readFile given)`);
    if (fileToken.text === '') throw at('include-failed', '$INCLUDE needs a file name');
    const path = posix.isAbsolute(fileToken.text) ? posix.normalize(fileToken.text) : posix.join(posix.dirname(ctx.file ?? '.'), fileToken.text);
    if (this.reading.includes(path)) throw at('include-loop', `$INCLUDE ${path} is a loop: ${[...this.reading, path].join(' → ')}`);
    if (depth + 1 > this.limits.maxIncludeDepth) throw at('include-depth', `$INCLUDE ${path} nests deeper than ${this.limits.maxIncludeDepth} files (limit maxIncludeDepth)`);
    let text: string;
    try {
      text = readFile(path);
    } catch (err) {
      throw at('include-failed', `$INCLUDE ${path} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
    // The included file starts with no previous owner; origin and owner come back after it (RFC 1035 §5.1).
    this.readText(text, { file: path, origin, owner: undefined }, depth + 1);
  }

  private record(line: LogicalLine, ctx: FileContext): void {
    const tokens = line.tokens;
    let i = 0;
    let owner: string;
    if (line.blankOwner) {
      if (ctx.owner === undefined) throw new ZoneTextError('no-owner', 'the record starts with blank space (the previous owner) but has no record before it in this file', line.line, 1);
      owner = ctx.owner;
    } else {
      owner = nameFromToken(tokens[i++]!, ctx.origin);
    }
    ctx.owner = owner;
    let ttl: number | undefined;
    let cls: number | undefined;
    let type: number | undefined;
    for (; i < tokens.length && type === undefined; i++) {
      const t = tokens[i]!;
      if (t.quoted) throw new ZoneTextError('bad-type', `"${t.text}" (quoted) where a TTL, class or type belongs`, t.line, t.column);
      if (looksLikeTtl(t.text)) {
        if (ttl !== undefined) throw new ZoneTextError('bad-ttl', `second TTL "${t.text}"`, t.line, t.column);
        ttl = ttlFrom(t);
        continue;
      }
      const c = classFromText(t.text);
      if (c !== undefined) {
        if (cls !== undefined) throw new ZoneTextError('bad-class', `second class "${t.text}"`, t.line, t.column);
        if (c === RRClass.NONE || c === RRClass.ANY) throw new ZoneTextError('bad-class', `class ${t.text} is not a data class`, t.line, t.column);
        cls = c;
        continue;
      }
      type = typeFromText(t.text);
      if (type === undefined) throw new ZoneTextError('bad-type', `unknown type "${t.text}" (write TYPE<number> with RFC 3597 data: \\# <length> <hex>)`, t.line, t.column);
    }
    if (type === undefined) throw new ZoneTextError('bad-type', `the record of ${owner} has no type`, line.line);
    const typeToken = tokens[i - 1]!;
    let data: RData;
    try {
      data = rdataFromText(type, tokens.slice(i), ctx.origin);
    } catch (err) {
      if (err instanceof ZoneTextError && err.line === undefined) throw new ZoneTextError(err.kind, err.reason, typeToken.line, typeToken.column);
      throw err;
    }
    const recordClass = this.classOf(cls, type, typeToken);
    const recordTtl = this.ttlOf(ttl, type, data, ctx, line.line, owner);
    if (this.records.length >= this.limits.maxRecords) {
      this.error(ctx, 'too-many-records', `more than ${this.limits.maxRecords} records (limit maxRecords)`, line.line);
      throw new StopReading();
    }
    const rr: ResourceRecord = { name: owner, type, class: recordClass, ttl: recordTtl, data };
    this.records.push(rr);
    this.sources.set(rr, ctx.file === undefined ? { line: line.line } : { file: ctx.file, line: line.line });
  }

  private classOf(cls: number | undefined, type: number, at: ZoneToken): number {
    const settled = this.classSettled;
    this.classSettled = true;
    if (cls === undefined || cls === this.zoneClass) return this.zoneClass;
    if (type === RRType.SOA && !settled) {
      this.zoneClass = cls;
      return cls;
    }
    throw new ZoneTextError('bad-class', `class ${classToText(cls)} differs from the zone's class ${classToText(this.zoneClass)}`, at.line, at.column);
  }

  private ttlOf(ttl: number | undefined, type: number, data: RData, ctx: FileContext, line: number, owner: string): number {
    if (ttl !== undefined) {
      this.lastTtl = ttl;
      return ttl;
    }
    if (this.dollarTtl !== undefined) return this.dollarTtl;
    if (type === RRType.SOA && this.lastTtl === undefined && 'minimum' in data) {
      this.lastTtl = data.minimum;
      this.warnedPrevious = true; // this warning says it already
      this.warn(ctx, 'ttl-from-soa', `the SOA has no TTL and there is no $TTL: its minimum ${data.minimum} is used as its TTL (as BIND does); later records without a TTL take the last one stated (RFC 1035)`, line, owner, type);
      return data.minimum;
    }
    if (this.lastTtl !== undefined) {
      if (!this.warnedPrevious) {
        this.warnedPrevious = true;
        this.warn(ctx, 'ttl-from-previous', `no TTL and no $TTL: the last TTL ${this.lastTtl} is used (RFC 1035), here and for later records without one; put $TTL at the top`, line, owner, type);
      }
      return this.lastTtl;
    }
    throw new ZoneTextError('no-ttl', `the ${typeToText(type)} record of ${owner} has no TTL, and there is no $TTL before it`, line);
  }
}

function ttlFrom(t: ZoneToken): number {
  const v = t.quoted ? `"${t.text}" (quoted) is not a TTL` : parseTtl(t.text);
  if (typeof v === 'string') throw new ZoneTextError('bad-ttl', v, t.line, t.column);
  return v;
}

/**
 * Reads a zone file. Throws ZoneFileError (code DNS_ZONE_FILE_INVALID) with every
 * error found, up to limits.maxErrors; anything else thrown comes from a bug.
 */
export function parseZoneFile(text: string, options: ZoneFileOptions): ZoneFileResult {
  const reader = new Reader(options);
  let origin: string | undefined;
  try {
    if (options.origin.endsWith('.') || options.origin === '.') origin = canonicalName(options.origin);
  } catch (err) {
    if (!(err instanceof ZoneTextError)) throw err;
  }
  if (origin === undefined) {
    reader.errors.push({ code: 'DNS_ZONE_FILE_INVALID', kind: 'bad-origin', severity: 'error', ...(options.file !== undefined && { file: options.file }), reason: `origin "${options.origin}" is not an absolute domain name` });
    throw new ZoneFileError(reader.errors, reader.warnings);
  }
  try {
    reader.readText(text, { file: options.file, origin, owner: undefined }, 0);
  } catch (err) {
    if (!(err instanceof StopReading)) throw err;
  }
  if (reader.errors.length > 0) throw new ZoneFileError(reader.errors, reader.warnings);
  return { records: reader.records, warnings: reader.warnings, sources: reader.sources };
}
