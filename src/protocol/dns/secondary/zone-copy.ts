// The on-disk form of a secondary's copy and of its timers (docs/dns.md, "Secondary
// zones"). The copy is a zone file (RFC 1035 §5, written by writeZoneFile) whose first
// line is a comment that names the zone, serial and transfer time and carries the
// SHA-256 of the rest: a copy cut short, edited or damaged fails the check and is
// treated as no copy — never served wrong. The timers are a small JSON document kept
// beside it and rewritten at each refresh that brings no new version.
import { createHash } from 'node:crypto';
import type { ResourceRecord } from '../../../wire/dns/types.js';
import { namesEqual } from '../../../wire/dns/name.js';
import { writeZoneFile } from '../zone-file/index.js';
import { loadZoneText } from '../zone-load.js';
import { formatZoneProblem } from '../zone-problem.js';
import type { Zone } from '../zone.js';
import type { ZoneTimers } from './timers.js';

const HEADER = /^; outpost secondary copy v1 zone=(\S+) serial=(\d+) transferred=(\d+) sha256=([0-9a-f]{64})\n/;

export class ZoneCopyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZoneCopyError';
  }
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The copy's text: the checked header line, then the zone file. */
export function encodeZoneCopy(zone: Zone, records: readonly ResourceRecord[], transferredAt: number): string {
  const body = writeZoneFile(zone.origin, records);
  return `; outpost secondary copy v1 zone=${zone.origin} serial=${zone.serial} transferred=${Math.floor(transferredAt)} sha256=${sha256(body)}\n${body}`;
}

export interface DecodedCopy {
  readonly zone: Zone;
  /** When the copy was transferred (ms since the epoch): the last refresh, unless the timers say later. */
  readonly transferredAt: number;
  readonly warnings: readonly string[];
}

/** Reads and checks a copy of `origin`. Throws ZoneCopyError naming what is wrong. */
export function decodeZoneCopy(origin: string, text: string, file: string): DecodedCopy {
  const m = HEADER.exec(text);
  if (!m) throw new ZoneCopyError('no "; outpost secondary copy" header line (not written by Outpost, or damaged)');
  const body = text.slice(m[0].length);
  if (sha256(body) !== m[4]) throw new ZoneCopyError('the checksum does not match the content (cut short, edited or damaged)');
  if (!namesEqual(m[1]!, origin)) throw new ZoneCopyError(`the copy is of zone ${m[1]}, not ${origin}`);
  let loaded;
  try {
    loaded = loadZoneText(body, { origin, file, readInclude: () => { throw new Error('$INCLUDE in a secondary copy'); } });
  } catch (error) {
    throw new ZoneCopyError(`the copy does not load: ${(error as Error).message}`);
  }
  if (loaded.zone.serial !== Number(m[2])) throw new ZoneCopyError(`the header says serial ${m[2]} but the SOA has ${loaded.zone.serial}`);
  return { zone: loaded.zone, transferredAt: Number(m[3]), warnings: loaded.warnings.map(formatZoneProblem) };
}

export function encodeZoneTimers(origin: string, t: ZoneTimers): string {
  return JSON.stringify({ version: 1, zone: origin, serial: t.serial, refreshedAt: t.refreshedAt, expiresAt: t.expiresAt }) + '\n';
}

/** The timers, or undefined when the text is not timers of `origin` (then the copy's own transfer time is used). */
export function decodeZoneTimers(origin: string, text: string): ZoneTimers | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const int = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (o.version !== 1 || typeof o.zone !== 'string' || !namesEqual(o.zone, origin)) return undefined;
  if (!int(o.serial) || o.serial > 0xffffffff || !int(o.refreshedAt) || !int(o.expiresAt)) return undefined;
  return { serial: o.serial, refreshedAt: o.refreshedAt, expiresAt: o.expiresAt };
}
