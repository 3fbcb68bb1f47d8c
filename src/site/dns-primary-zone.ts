// One primary zone of the DNS service (docs/dns.md, "Reload and NOTIFY", "DNS UPDATE"):
// its file, the version served, the IXFR history and the journal that keeps it on disk.
//
// - open: reads the file (a zone that does not load stops the start), opens the
//   journal and keeps its versions only if they end at the zone just read — same
//   serial, same content digest (zone-digest.ts) — or go on from it (DNS UPDATEs not
//   yet written to the file: the differences are applied to the file's version, and
//   the result served if its digest is the journal's last); else empties it (the file
//   was edited while the server was down).
// - reload: reads the file again. An unreadable or invalid file keeps the old version
//   (every problem logged). The same text: unchanged. Other records with a serial that
//   is not newer (RFC 1982): refused, the old version kept (secondaries compare serials
//   and would never fetch it). A newer serial: the difference is appended to the
//   journal (fdatasync'ed) and the new version returned for the service to swap in.
// - update: a DNS UPDATE (RFC 2136) judged on the version served (update/update.ts);
//   a change is appended to the journal (fdatasync'ed) before it is served and
//   answered — an accepted update survives a SIGKILL. The zone file is rewritten
//   (like BIND's and Knot's dynamic zones: one file, comments and $INCLUDEs gone) a
//   few seconds after the last update, before the journal would drop the version the
//   file is at, and at stop.
// Reloads, updates and rewrites of one zone run one after the other.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Clock, TimerHandle } from '../core/clock.js';
import { OutpostError } from '../core/errors.js';
import type { ZoneConfig } from '../config/dns-schema.js';
import { TransferAcl } from '../protocol/dns/acl.js';
import { IxfrHistory } from '../protocol/dns/ixfr-history.js';
import { IxfrApplyError, applyIxfr } from '../protocol/dns/secondary/ixfr-apply.js';
import { serialGreater } from '../protocol/dns/serial.js';
import { evaluateUpdate } from '../protocol/dns/update/update.js';
import { UpdatePolicy } from '../protocol/dns/update/policy.js';
import { digestAfter, zoneDigest } from '../protocol/dns/zone-digest.js';
import { writeZoneFile } from '../protocol/dns/zone-file/index.js';
import { validateZone } from '../protocol/dns/zone-validate.js';
import { diffOwners, diffZones, soaSerial } from '../protocol/dns/zone-diff.js';
import { loadZoneText } from '../protocol/dns/zone-load.js';
import { formatZoneProblem, type ZoneProblem } from '../protocol/dns/zone-problem.js';
import type { ServedZone } from '../protocol/dns/zone-set.js';
import { Zone } from '../protocol/dns/zone.js';
import { logEvent, type Logger } from '../runtime/log.js';
import { writeFileAtomically } from '../storage/atomic-file.js';
import type { JournalEntry } from '../storage/ixfr-journal-format.js';
import { IxfrJournal } from '../storage/ixfr-journal.js';
import { Rcode, type DnsMessage, type SOAData } from '../wire/dns/types.js';

export type ReloadResult = 'updated' | 'unchanged' | 'invalid' | 'serial-not-increased';

export interface ReloadReport {
  readonly zone: string;
  readonly result: ReloadResult;
  /** The serial served after the reload. */
  readonly serial: number;
  readonly previousSerial?: number;
  readonly deleted?: number;
  readonly added?: number;
  /** Why the file was refused. */
  readonly problems?: readonly string[];
}

interface Source {
  readonly zone: Zone;
  /** The digest of the zone file's text as last read or written (readSource). */
  readonly digest: string;
}

/** Seconds after the last update before the zone file is rewritten. */
export const ZONE_FILE_WRITE_DELAY_MS = 2000;

export interface PrimaryZoneOptions {
  readonly configDir: string;
  readonly dataDir: string;
  readonly log: Logger;
  readonly clock: Clock;
}

/** How an UPDATE ended: the rcode to answer and, for a change, the serial it made. */
export interface UpdateResult {
  readonly rcode: number;
  readonly reason: string;
  readonly serial?: number;
}

export class PrimaryZone {
  private history: IxfrHistory = IxfrHistory.EMPTY;
  private readonly acl: TransferAcl;
  private readonly policy: UpdatePolicy;
  /** The content digest of the version served (the journal's last, when it has versions). */
  private content: string;
  /** The version served is not the zone file's (updates not yet written). */
  private dirty = false;
  private writeTimer?: TimerHandle;
  /** Reloads, updates and file writes, one after the other. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly config: ZoneConfig,
    private readonly file: string,
    private source: Source,
    private readonly journal: IxfrJournal,
    private readonly opts: PrimaryZoneOptions,
  ) {
    this.acl = TransferAcl.compile(config.allowTransfer);
    this.policy = UpdatePolicy.compile(config.allowUpdate);
    this.content = zoneDigest(source.zone);
  }

  /** Reads the zone (throws ZoneFileError, ZoneInvalidError or OutpostError when it does not load) and its journal. */
  static async open(config: ZoneConfig, opts: PrimaryZoneOptions): Promise<PrimaryZone> {
    const file = resolve(opts.configDir, config.file!);
    const source = readSource(config, file, opts.log);
    logEvent(opts.log, 'DNS_ZONE_LOADED', { zone: source.zone.origin, file, serial: source.zone.serial, records: source.zone.recordCount });
    const opened = await IxfrJournal.open(opts.dataDir, source.zone.origin);
    const zone = new PrimaryZone(config, file, source, opened.journal, opts);
    const at = { zone: source.zone.origin, file: opened.journal.path };
    if (opened.damage) logEvent(opts.log, 'DNS_JOURNAL_TRUNCATED', { ...at, droppedBytes: opened.damage.droppedBytes, reason: opened.damage.reason });
    const restored = restore(source.zone, zone.content, opened.entries);
    if (restored) {
      zone.history = IxfrHistory.of(opened.entries.map((e) => e.diff), config.ixfrHistory);
      if (restored.replayed > 0) {
        zone.source = { zone: restored.zone, digest: source.digest };
        zone.content = restored.digest;
        zone.dirty = true;
        logEvent(opts.log, 'DNS_JOURNAL_REPLAYED', { ...at, fileSerial: source.zone.serial, serial: restored.zone.serial, versions: restored.replayed });
        zone.scheduleWrite();
      }
    } else if (opened.journal.versions > 0) {
      const last = opened.entries[opened.entries.length - 1];
      const reason = last === undefined ? 'no readable version'
        : `the journal ends at serial ${soaSerial(last.diff.to)}${soaSerial(last.diff.to) === source.zone.serial ? ' with other records' : ''}, the zone file is at ${source.zone.serial}`;
      logEvent(opts.log, 'DNS_JOURNAL_RESET', { ...at, reason });
      await opened.journal.reset();
    }
    return zone;
  }

  get origin(): string {
    return this.source.zone.origin;
  }

  get zone(): Zone {
    return this.source.zone;
  }

  /** Versions an IXFR can start from. */
  get versions(): number {
    return this.history.versions;
  }

  /** The zone as the responder serves it. */
  served(): ServedZone {
    const zone = this.source.zone;
    const expire = (zone.soa.data as SOAData).expire;
    return { zone, role: 'primary', expiresIn: () => expire, expired: () => false, allowTransfer: this.acl, history: this.history, updatePolicy: this.policy };
  }

  /** Reads the file again; on 'updated' the caller swaps in served() and sends NOTIFY. */
  reload(): Promise<ReloadReport> {
    return this.inTurn(() => this.reloadNow());
  }

  /** Applies a DNS UPDATE signed with `tsigKey` (verified by the caller); on a serial the caller swaps in served() and sends NOTIFY. */
  update(message: DnsMessage, tsigKey: string | undefined): Promise<UpdateResult> {
    return this.inTurn(() => this.updateNow(message, tsigKey));
  }

  /** Writes the zone file now if updates are not in it yet (at stop). */
  flush(): Promise<void> {
    this.writeTimer?.cancel();
    this.writeTimer = undefined;
    return this.inTurn(() => this.writeFile('stop'));
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async updateNow(message: DnsMessage, tsigKey: string | undefined): Promise<UpdateResult> {
    const old = this.source.zone;
    const verdict = evaluateUpdate(message, old, this.policy, tsigKey);
    if (verdict.kind === 'answer') return { rcode: verdict.rcode, reason: verdict.reason };
    const next = verdict.zone;
    for (const w of verdict.warnings) logWarning(this.opts.log, old.origin, w);
    const diff = diffOwners(old, next, verdict.touched);
    const digest = digestAfter(this.content, diff);
    // Dynamic zones always journal (else an accepted update would live in memory only).
    const keep = Math.max(1, this.config.ixfrHistory);
    try {
      // The journal is about to drop old versions: the file must not be at one of them.
      if (this.journal.versions + 1 >= 2 * keep) await this.writeFile('journal-compaction');
      await this.journal.append({ diff, digest }, keep);
    } catch (error) {
      const err = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      logEvent(this.opts.log, 'DNS_JOURNAL_FAILED', { zone: old.origin, file: this.journal.path, err });
      return { rcode: Rcode.SERVFAIL, reason: `the journal could not be written (${err}); the update was not applied` };
    }
    this.history = this.history.append(diff, this.config.ixfrHistory);
    this.source = { zone: next, digest: this.source.digest };
    this.content = digest;
    this.dirty = true;
    this.scheduleWrite();
    return { rcode: Rcode.NOERROR, reason: `${diff.deleted.length} deleted, ${diff.added.length} added`, serial: next.serial };
  }

  private scheduleWrite(): void {
    this.writeTimer?.cancel();
    this.writeTimer = this.opts.clock.setTimer(ZONE_FILE_WRITE_DELAY_MS, () => {
      this.writeTimer = undefined;
      void this.inTurn(() => this.writeFile('updates'));
    });
  }

  /** Rewrites the zone file with the version served, when updates are not in it yet. */
  private async writeFile(cause: string): Promise<void> {
    if (!this.dirty) return;
    const zone = this.source.zone;
    const text = `; ${zone.origin} serial ${zone.serial}, written by Outpost after DNS updates (${cause})\n${writeZoneFile(zone.origin, zone.records())}`;
    try {
      await writeFileAtomically(this.file, text);
    } catch (error) {
      // The journal still holds every update: the next write retries.
      logEvent(this.opts.log, 'DNS_ZONE_WRITE_FAILED', { zone: zone.origin, file: this.file, err: (error as NodeJS.ErrnoException).code ?? (error as Error).message });
      return;
    }
    this.source = { zone, digest: textDigest([[this.file, text]]) };
    this.dirty = false;
    logEvent(this.opts.log, 'DNS_ZONE_WRITTEN', { zone: zone.origin, file: this.file, serial: zone.serial, records: zone.recordCount, cause });
  }

  private async reloadNow(): Promise<ReloadReport> {
    const old = this.source;
    const base = { zone: old.zone.origin, serial: old.zone.serial };
    const report = (result: ReloadResult, more: Partial<ReloadReport> = {}): ReloadReport => ({ zone: base.zone, result, serial: base.serial, ...more });
    let next: Source;
    try {
      next = readSource(this.config, this.file, this.opts.log);
    } catch (error) {
      const problems = error instanceof OutpostError ? (error.details.length > 0 ? error.details : [error.message]) : [(error as Error).message];
      const code = error instanceof OutpostError && error.code === 'DNS_ZONE_INVALID' ? 'DNS_ZONE_INVALID' : 'DNS_ZONE_FILE_INVALID';
      for (const p of problems) logEvent(this.opts.log, code, { zone: old.zone.origin, file: this.file, problem: p, kept: old.zone.serial }, `${p} (the zone keeps serving serial ${old.zone.serial})`);
      return report('invalid', { problems });
    }
    if (next.digest === old.digest) {
      logEvent(this.opts.log, 'DNS_ZONE_UNCHANGED', base);
      return report('unchanged');
    }
    const diff = diffZones(old.zone, next.zone);
    if (!serialGreater(next.zone.serial, old.zone.serial)) {
      if (next.zone.serial === old.zone.serial && diff.added.length === 0 && diff.deleted.length === 0 && soaEqual(old.zone, next.zone)) {
        this.source = { zone: old.zone, digest: next.digest }; // comments or layout only
        logEvent(this.opts.log, 'DNS_ZONE_UNCHANGED', base);
        return report('unchanged');
      }
      const reason = `serial ${next.zone.serial} is not newer than ${old.zone.serial} but the records differ (${diff.deleted.length} deleted, ${diff.added.length} added)`;
      logEvent(this.opts.log, 'DNS_ZONE_SERIAL_NOT_INCREASED', { ...base, file: this.file, fileSerial: next.zone.serial, deleted: diff.deleted.length, added: diff.added.length },
        `${this.file}: ${reason}; serial ${old.zone.serial} keeps being served: raise the serial and reload`);
      return report('serial-not-increased', { problems: [reason] });
    }
    const keep = this.config.ixfrHistory;
    const digest = digestAfter(this.content, diff);
    try {
      await this.journal.append({ diff, digest }, keep);
      this.history = this.history.append(diff, keep);
    } catch (error) {
      logEvent(this.opts.log, 'DNS_JOURNAL_FAILED', { zone: old.zone.origin, file: this.journal.path, err: (error as NodeJS.ErrnoException).code ?? (error as Error).message });
      this.history = IxfrHistory.EMPTY;
      await this.journal.reset().catch(() => undefined);
    }
    this.source = next;
    this.content = digest;
    this.dirty = false;
    const updated = report('updated', { serial: next.zone.serial, previousSerial: old.zone.serial, deleted: diff.deleted.length, added: diff.added.length });
    logEvent(this.opts.log, 'DNS_ZONE_RELOADED', { ...updated, records: next.zone.recordCount, versions: this.history.versions });
    return updated;
  }
}

/**
 * The version the journal says is served: the file's own (the journal ends at it), or
 * the file's with the journal's later differences applied — when that gives exactly
 * the content digest of the journal's last version. undefined: the journal does not
 * fit the file.
 */
function restore(file: Zone, fileDigest: string, entries: readonly JournalEntry[]): { zone: Zone; digest: string; replayed: number } | undefined {
  const last = entries[entries.length - 1];
  if (!last) return undefined;
  if (soaSerial(last.diff.to) === file.serial && last.digest === fileDigest) return { zone: file, digest: fileDigest, replayed: 0 };
  for (let i = entries.length - 1; i >= 0; i--) {
    if (soaSerial(entries[i]!.diff.from) !== file.serial) continue;
    let zone: Zone;
    try {
      const records = applyIxfr(file.records(), entries.slice(i).map((e) => e.diff));
      zone = Zone.build(file.origin, validateZone(file.origin, records).records);
    } catch (error) {
      if (error instanceof IxfrApplyError || error instanceof RangeError) continue;
      throw error;
    }
    const digest = zoneDigest(zone);
    if (digest === last.digest) return { zone, digest, replayed: entries.length - i };
  }
  return undefined;
}

/** Reads and checks the zone file and what it includes; the digest covers every file's text, in the order read. */
function readSource(config: ZoneConfig, file: string, log: Logger): Source {
  const texts: [string, string][] = [];
  const read = (path: string): string => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new OutpostError('DNS_ZONE_FILE_INVALID', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    texts.push([path, text]);
    return text;
  };
  // $INCLUDE paths come resolved against the including file.
  const { zone, warnings } = loadZoneText(read(file), { origin: config.name, file, readInclude: read });
  for (const w of warnings) logWarning(log, zone.origin, w);
  return { zone, digest: textDigest(texts) };
}

/** The digest of a zone's source: every file's path and text, in the order read. */
function textDigest(texts: readonly (readonly [string, string])[]): string {
  const hash = createHash('sha256');
  for (const [path, text] of texts) hash.update(`${path}\0${text.length}\0${text}`);
  return hash.digest('hex');
}

function logWarning(log: Logger, zone: string, w: ZoneProblem): void {
  logEvent(log, 'DNS_ZONE_WARNING', { zone, warning: formatZoneProblem(w) });
}

function soaEqual(a: Zone, b: Zone): boolean {
  return a.soa.ttl === b.soa.ttl && JSON.stringify(a.soa.data) === JSON.stringify(b.soa.data);
}
