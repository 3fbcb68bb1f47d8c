// The site's events and the batches the agent delivers them in (docs/agent.md "Events").
// A site daemon appends every event it reports upstream to its outbox, which numbers
// them 1, 2, 3, … within one stream (one outbox directory, identified by a random id).
// The agent POSTs them in order, in batches; the manager keeps, per site and stream,
// the highest number it has stored, skips what it already has and answers with that
// number, the acknowledgement. A batch sent twice (a lost answer, a restart) is
// therefore stored once. This file is the one statement of those shapes, for both ends.

/** Where the manager receives batches, below a manager's base URL. */
export const EVENTS_PATH = '/api/v1/agent/events';

/** What a site reports; `data` is the kind's own shape (below). */
export const EVENT_KINDS = {
  /** A phone stored a backup (HTTP PUT/POST or a TFTP write): { protocol, path, bytes, sha256, client, user?, replaced }. */
  'files.upload': 'A phone backup was stored.',
  /** Events of the outbox itself. Lines that were damaged on disk: { } in place of each lost event. */
  'outbox.damaged': 'An event was lost to a damaged outbox line; its number is kept so the gap is seen.',
  /** Events were refused while the outbox was full: { refused, firstAt, lastAt, kinds }. */
  'outbox.overflow': 'Events were refused while the outbox was full.',
} as const;

export type EventKind = keyof typeof EVENT_KINDS;

export interface SiteEvent {
  /** Its number in the stream: 1, 2, 3, … with no gaps. */
  readonly seq: number;
  /** When it happened, ms since the epoch. */
  readonly at: number;
  readonly kind: EventKind;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface FilesUploadEvent {
  readonly protocol: 'http' | 'tftp';
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly client: string;
  readonly user?: string;
  readonly replaced: boolean;
}

/** Where services hand their events (the agent's outbox). Never rejects: a refusal is the sink's to count and report. */
export interface EventSink {
  record(kind: EventKind, data: Readonly<Record<string, unknown>>): Promise<void>;
}

/** The body of a POST to EVENTS_PATH. */
export interface EventBatch {
  readonly site: string;
  readonly server: string;
  /** The outbox's stream id: 32 lower-case hex digits. */
  readonly stream: string;
  /** In increasing `seq`, consecutive. */
  readonly events: readonly SiteEvent[];
}

/** The manager's answer: every event of the stream up to `acked` is stored. */
export interface EventAck {
  readonly acked: number;
}

export const MAX_BATCH_EVENTS = 10_000;
const STREAM = /^[0-9a-f]{32}$/;
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export type BatchCheck = { readonly ok: true; readonly batch: EventBatch } | { readonly ok: false; readonly path: string; readonly reason: string };

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a received body (parsed JSON) is a batch: every field, its type and range, the events consecutive. */
export function checkBatch(body: unknown): BatchCheck {
  const bad = (path: string, reason: string): BatchCheck => ({ ok: false, path, reason });
  if (!isRecord(body)) return bad('$', 'a batch is an object');
  for (const key of Object.keys(body)) if (!['site', 'server', 'stream', 'events'].includes(key)) return bad(`$.${key}`, 'unknown field');
  if (typeof body.site !== 'string' || !NAME.test(body.site)) return bad('$.site', 'a site name (a DNS label)');
  if (typeof body.server !== 'string' || !NAME.test(body.server)) return bad('$.server', 'a server name (a DNS label)');
  if (typeof body.stream !== 'string' || !STREAM.test(body.stream)) return bad('$.stream', '32 lower-case hex digits');
  if (!Array.isArray(body.events)) return bad('$.events', 'an array');
  if (body.events.length === 0 || body.events.length > MAX_BATCH_EVENTS) return bad('$.events', `1 to ${MAX_BATCH_EVENTS} events`);
  let previous: number | undefined;
  for (const [i, e] of (body.events as unknown[]).entries()) {
    const at = `$.events[${i}]`;
    if (!isRecord(e)) return bad(at, 'an event is an object');
    for (const key of Object.keys(e)) if (!['seq', 'at', 'kind', 'data'].includes(key)) return bad(`${at}.${key}`, 'unknown field');
    if (!Number.isSafeInteger(e.seq) || (e.seq as number) < 1) return bad(`${at}.seq`, 'a positive integer');
    if (previous !== undefined && e.seq !== previous + 1) return bad(`${at}.seq`, `${String(e.seq)} does not follow ${previous}`);
    previous = e.seq as number;
    if (!Number.isSafeInteger(e.at) || (e.at as number) < 0) return bad(`${at}.at`, 'milliseconds since the epoch');
    if (typeof e.kind !== 'string' || !Object.hasOwn(EVENT_KINDS, e.kind)) return bad(`${at}.kind`, `one of ${Object.keys(EVENT_KINDS).join(', ')}`);
    if (!isRecord(e.data)) return bad(`${at}.data`, 'an object');
  }
  return { ok: true, batch: body as unknown as EventBatch };
}

/** Checks a manager's answer to a batch whose last event is `lastSent`: an acknowledgement of at least that far. */
export function checkAck(body: unknown, lastSent: number): { ok: true; acked: number } | { ok: false; reason: string } {
  if (!isRecord(body) || !Number.isSafeInteger(body.acked)) return { ok: false, reason: 'the answer has no integer "acked"' };
  const acked = body.acked as number;
  // Less than what was sent: the manager did not store the batch although it said 200.
  if (acked < lastSent) return { ok: false, reason: `acked ${acked} is before the batch's last event ${lastSent}` };
  // More: the manager has a later event of this stream than we sent (a restored outbox); nothing past the batch is taken as acknowledged.
  return { ok: true, acked: lastSent };
}
