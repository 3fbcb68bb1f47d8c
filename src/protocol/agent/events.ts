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
  /** A DHCP lease changed state on a server: LeaseChangeEvent. */
  'lease.change': 'A lease was bound, renewed, released, expired or declined.',
  /** A failover relationship changed state on a server: FailoverStateEvent. */
  'failover.state': 'A failover relationship changed state.',
  /** A zone changed state on a server (a secondary's freshness): ZoneStateEvent. */
  'zone.state': 'A zone changed state.',
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

export const LEASE_EVENT_STATES = ['bound', 'released', 'expired', 'declined'] as const;

export interface LeaseChangeEvent {
  readonly family: 4 | 6;
  readonly address: string;
  readonly state: (typeof LEASE_EVENT_STATES)[number];
  /** The client's hardware address, lower-case hex without separators. */
  readonly hwAddress?: string;
  /** The client identifier (option 61 / DUID), lower-case hex. */
  readonly clientId?: string;
  readonly hostname?: string;
  /** When this state began and ends (ms since the epoch). */
  readonly startedAt: number;
  readonly expiresAt: number;
}

export interface FailoverStateEvent {
  readonly relationship: string;
  readonly state: string;
  readonly partnerState: string;
  readonly cause?: string;
}

export interface ZoneStateEvent {
  readonly zone: string;
  readonly state: string;
  readonly serial?: number;
  /** When the copy was last refreshed from a primary (ms since the epoch). */
  readonly refreshedAt?: number;
  /** When the copy passes its SOA expire without a refresh (ms since the epoch). */
  readonly expiresAt?: number;
}

const STATE_WORD = /^[a-z][a-z-]{0,31}$/;
const HEX = /^([0-9a-f]{2}){1,128}$/;
const text = (v: unknown, max: number) => typeof v === 'string' && v.length > 0 && v.length <= max;
const time = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * Why the data of an event of a kind the manager projects (leases, failover and zone
 * states) is not that kind's shape, or undefined when it is. The manager keeps such an
 * event as received (never lost) but does not project it.
 */
export function checkEventData(kind: EventKind, data: Readonly<Record<string, unknown>>): string | undefined {
  switch (kind) {
    case 'lease.change':
      if (data.family !== 4 && data.family !== 6) return 'family: 4 or 6';
      if (!text(data.address, 45)) return 'address: an address';
      if (!(LEASE_EVENT_STATES as readonly unknown[]).includes(data.state)) return `state: one of ${LEASE_EVENT_STATES.join(', ')}`;
      if (data.hwAddress !== undefined && (typeof data.hwAddress !== 'string' || !HEX.test(data.hwAddress))) return 'hwAddress: lower-case hex';
      if (data.clientId !== undefined && (typeof data.clientId !== 'string' || !HEX.test(data.clientId))) return 'clientId: lower-case hex';
      if (data.hostname !== undefined && !text(data.hostname, 253)) return 'hostname: 1 to 253 characters';
      if (!time(data.startedAt)) return 'startedAt: milliseconds since the epoch';
      if (!time(data.expiresAt)) return 'expiresAt: milliseconds since the epoch';
      return undefined;
    case 'failover.state':
      if (!text(data.relationship, 64)) return 'relationship: a name';
      if (typeof data.state !== 'string' || !STATE_WORD.test(data.state)) return 'state: a state name';
      if (typeof data.partnerState !== 'string' || !STATE_WORD.test(data.partnerState)) return 'partnerState: a state name';
      if (data.cause !== undefined && !text(data.cause, 200)) return 'cause: 1 to 200 characters';
      return undefined;
    case 'zone.state':
      if (!text(data.zone, 255)) return 'zone: a zone name';
      if (typeof data.state !== 'string' || !STATE_WORD.test(data.state)) return 'state: a state name';
      if (data.serial !== undefined && (!Number.isSafeInteger(data.serial) || (data.serial as number) < 0 || (data.serial as number) > 0xffffffff)) return 'serial: 0 to 4294967295';
      if (data.refreshedAt !== undefined && !time(data.refreshedAt)) return 'refreshedAt: milliseconds since the epoch';
      if (data.expiresAt !== undefined && !time(data.expiresAt)) return 'expiresAt: milliseconds since the epoch';
      return undefined;
    default:
      return undefined;
  }
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
