// One refresh attempt of a secondary zone across its primaries, tried in order
// (docs/dns.md, "Secondary zones"). With a copy: an SOA query (RFC 1034 §4.3.5); a
// newer serial (RFC 1982) brings an IXFR (RFC 1995), falling back to AXFR (RFC 5936)
// from the same primary when the primary refuses IXFR, answers it with something that
// cannot be read, or sends differences our copy cannot take. Without a copy, or on the
// operator's retransfer: AXFR straight away. Every new version passes validateZone
// before it is returned. Pure: the transport (sockets, timeouts, TSIG) is injected.
import { RRType, type DnsMessage, type ResourceRecord } from '../../../wire/dns/types.js';
import { ZoneInvalidError } from '../zone-load.js';
import { formatZoneProblem } from '../zone-problem.js';
import { validateZone } from '../zone-validate.js';
import { Zone } from '../zone.js';
import { compareSerial } from '../serial.js';
import { applyIxfr, IxfrApplyError } from './ixfr-apply.js';
import { primaryLabel, type PrimaryServer } from './primary.js';
import { axfrQuery, ixfrQuery, readSoaAnswer, soaQuery } from './requests.js';
import { XfrError, XfrReader, type XfrLimits, DEFAULT_XFR_LIMITS } from './xfr-reader.js';

/** The network side of an attempt (src/runtime/dns-xfr-client.ts). Both reject with an Error on timeouts, network errors or size limits. */
export interface XfrTransport {
  /** One request, its one answer: UDP, again over TCP when the answer is truncated. */
  query(primary: PrimaryServer, request: DnsMessage, signal: AbortSignal): Promise<DnsMessage>;
  /** A transfer over TCP: `onMessage` gets each answer message until it returns true. */
  transfer(primary: PrimaryServer, request: DnsMessage, onMessage: (m: DnsMessage, bytes: number) => boolean, signal: AbortSignal): Promise<void>;
}

export type AttemptMode = 'refresh' | 'transfer';

export interface AttemptOptions {
  readonly origin: string;
  readonly primaries: readonly PrimaryServer[];
  readonly transport: XfrTransport;
  readonly mode: AttemptMode;
  /** Our copy (absent: none; then every attempt is an AXFR). */
  readonly current?: Zone;
  readonly limits?: XfrLimits;
  readonly signal: AbortSignal;
  /** A primary has a newer serial: a transfer from it starts now. */
  readonly onNewer?: (primary: PrimaryServer, serial: number) => void;
  /** An IXFR gave way to an AXFR, and why. */
  readonly onFallback?: (primary: PrimaryServer, reason: string) => void;
}

export type AttemptOutcome =
  | { readonly kind: 'current'; readonly primary: PrimaryServer; readonly serial: number; readonly order: 'same' | 'older' | 'undefined' }
  | { readonly kind: 'transferred'; readonly primary: PrimaryServer; readonly zone: Zone; readonly records: readonly ResourceRecord[]; readonly how: 'ixfr' | 'axfr'; readonly warnings: readonly string[]; readonly messages: number; readonly bytes: number }
  /** No primary answered: every one timed out, refused the connection, or answered wrongly. */
  | { readonly kind: 'unreachable'; readonly errors: readonly string[] }
  /** A primary had a newer version (or a retransfer was asked) but no transfer succeeded. */
  | { readonly kind: 'failed'; readonly errors: readonly string[] };

interface Fetched {
  readonly zone: Zone;
  readonly records: readonly ResourceRecord[];
  readonly warnings: readonly string[];
  readonly how: 'ixfr' | 'axfr';
  readonly messages: number;
  readonly bytes: number;
}

export async function runAttempt(o: AttemptOptions): Promise<AttemptOutcome> {
  const errors: string[] = [];
  let newerSeen = false;
  for (const p of o.primaries) {
    if (o.signal.aborted) break;
    const label = primaryLabel(p);
    if (o.mode === 'refresh' && o.current) {
      let answer;
      try {
        answer = readSoaAnswer(o.origin, await o.transport.query(p, soaQuery(o.origin), o.signal));
      } catch (error) {
        errors.push(`${label}: SOA query: ${(error as Error).message}`);
        continue;
      }
      if (!answer.ok) {
        errors.push(`${label}: SOA query: ${answer.reason}`);
        continue;
      }
      const order = compareSerial(answer.soa.serial, o.current.serial);
      if (order !== 'newer') return { kind: 'current', primary: p, serial: answer.soa.serial, order };
      o.onNewer?.(p, answer.soa.serial);
    }
    newerSeen = true;
    try {
      return { kind: 'transferred', primary: p, ...(await fetchZone(o, p)) };
    } catch (error) {
      errors.push(`${label}: ${(error as Error).message}`);
    }
  }
  return newerSeen ? { kind: 'failed', errors } : { kind: 'unreachable', errors };
}

/** IXFR when we have a copy and are refreshing, with the fallbacks to AXFR; else AXFR. The result is validated. */
async function fetchZone(o: AttemptOptions, p: PrimaryServer): Promise<Fetched> {
  const current = o.current;
  if (o.mode === 'refresh' && current) {
    let fallback: string;
    try {
      const r = await stream(o, p, RRType.IXFR, ixfrQuery(o.origin, current.soa), current.serial);
      const result = r.reader.result();
      if (result.kind === 'incremental') {
        // Differences our copy cannot take, or a result that breaks a zone rule: try the whole zone instead.
        return { ...checkedZone(o.origin, applyIxfr(current.records(), result.diffs)), how: 'ixfr', messages: r.messages, bytes: r.bytes };
      }
      if (result.kind === 'full') {
        o.onFallback?.(p, 'the primary answered IXFR with the whole zone (no history for our serial, or IXFR disabled)');
        return fullZone(o.origin, result.records, r);
      }
      fallback = `the primary answered IXFR with serial ${result.soa.data.serial} alone after announcing a newer one`;
    } catch (error) {
      if (!(error instanceof XfrError || error instanceof IxfrApplyError || error instanceof ZoneInvalidError)) throw error; // network: next primary
      fallback = error instanceof XfrError ? `IXFR ${error.reason}: ${error.message}` : `IXFR could not be applied: ${error.message}`;
    }
    o.onFallback?.(p, fallback);
  }
  const r = await stream(o, p, RRType.AXFR, axfrQuery(o.origin));
  const result = r.reader.result();
  if (result.kind !== 'full') throw new XfrError('malformed', 'an AXFR answered with differences');
  return fullZone(o.origin, result.records, r);
}

/** A whole zone as received: validated (an invalid one is not retried). */
function fullZone(origin: string, records: readonly ResourceRecord[], r: { messages: number; bytes: number }): Fetched {
  try {
    return { ...checkedZone(origin, records), how: 'axfr', messages: r.messages, bytes: r.bytes };
  } catch (error) {
    if (error instanceof ZoneInvalidError) throw new Error(`the zone received is refused: ${error.message}`);
    throw error;
  }
}

async function stream(o: AttemptOptions, p: PrimaryServer, type: number, request: DnsMessage, ourSerial?: number): Promise<{ reader: XfrReader; messages: number; bytes: number }> {
  const reader = new XfrReader(o.origin, type, ourSerial, o.limits ?? DEFAULT_XFR_LIMITS);
  let messages = 0;
  let bytes = 0;
  await o.transport.transfer(p, request, (m, n) => {
    messages++;
    bytes += n;
    return reader.push(m, n);
  }, o.signal);
  if (!reader.done) throw new XfrError('malformed', 'the connection closed before the closing SOA');
  return { reader, messages, bytes };
}

/** validateZone, then the snapshot. Throws ZoneInvalidError with every error. */
function checkedZone(origin: string, records: readonly ResourceRecord[]): { zone: Zone; records: readonly ResourceRecord[]; warnings: string[] } {
  const checked = validateZone(origin, records);
  const errors = checked.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new ZoneInvalidError(errors);
  return { zone: Zone.build(origin, checked.records), records: checked.records, warnings: checked.problems.map(formatZoneProblem) };
}
