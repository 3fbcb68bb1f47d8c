// One primary zone of the DNS service (docs/dns.md, "Reload and NOTIFY"): its file,
// the version served, the IXFR history and the journal that keeps it on disk.
//
// - open: reads the file (a zone that does not load stops the start), opens the
//   journal and keeps its versions only if they end at the zone just read — same
//   serial, same digest of the source text — else empties it (edited while down).
// - reload: reads the file again. An unreadable or invalid file keeps the old version
//   (every problem logged). The same text: unchanged. Other records with a serial that
//   is not newer (RFC 1982): refused, the old version kept (secondaries compare serials
//   and would never fetch it). A newer serial: the difference is appended to the
//   journal (fdatasync'ed) and the new version returned for the service to swap in.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { OutpostError } from '../core/errors.js';
import type { ZoneConfig } from '../config/dns-schema.js';
import { TransferAcl } from '../protocol/dns/acl.js';
import { IxfrHistory } from '../protocol/dns/ixfr-history.js';
import { serialGreater } from '../protocol/dns/serial.js';
import { diffZones, soaSerial } from '../protocol/dns/zone-diff.js';
import { loadZoneText } from '../protocol/dns/zone-load.js';
import { formatZoneProblem, type ZoneProblem } from '../protocol/dns/zone-problem.js';
import type { ServedZone } from '../protocol/dns/zone-set.js';
import type { Zone } from '../protocol/dns/zone.js';
import { logEvent, type Logger } from '../runtime/log.js';
import { IxfrJournal } from '../storage/ixfr-journal.js';
import type { SOAData } from '../wire/dns/types.js';

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
  readonly digest: string;
}

export class PrimaryZone {
  private history: IxfrHistory = IxfrHistory.EMPTY;
  private readonly acl: TransferAcl;

  private constructor(
    readonly config: ZoneConfig,
    private readonly file: string,
    private source: Source,
    private readonly journal: IxfrJournal,
    private readonly log: Logger,
  ) {
    this.acl = TransferAcl.compile(config.allowTransfer);
  }

  /** Reads the zone (throws ZoneFileError, ZoneInvalidError or OutpostError when it does not load) and its journal. */
  static async open(config: ZoneConfig, opts: { configDir: string; dataDir: string; log: Logger }): Promise<PrimaryZone> {
    const file = resolve(opts.configDir, config.file!);
    const source = readSource(config, file, opts.log);
    logEvent(opts.log, 'DNS_ZONE_LOADED', { zone: source.zone.origin, file, serial: source.zone.serial, records: source.zone.recordCount });
    const opened = await IxfrJournal.open(opts.dataDir, source.zone.origin);
    const zone = new PrimaryZone(config, file, source, opened.journal, opts.log);
    const at = { zone: source.zone.origin, file: opened.journal.path };
    if (opened.damage) logEvent(opts.log, 'DNS_JOURNAL_TRUNCATED', { ...at, droppedBytes: opened.damage.droppedBytes, reason: opened.damage.reason });
    const last = opened.entries[opened.entries.length - 1];
    if (last && config.ixfrHistory > 0 && soaSerial(last.diff.to) === source.zone.serial && last.digest === source.digest) {
      zone.history = IxfrHistory.of(opened.entries.map((e) => e.diff), config.ixfrHistory);
    } else if (opened.journal.versions > 0) {
      const reason = config.ixfrHistory === 0 ? 'ixfrHistory is 0' : last === undefined ? 'no readable version'
        : `the journal ends at serial ${soaSerial(last.diff.to)}${soaSerial(last.diff.to) === source.zone.serial ? ' of other zone file text' : ''}, the zone file is at ${source.zone.serial}`;
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
    return { zone, role: 'primary', expiresIn: () => expire, expired: () => false, allowTransfer: this.acl, history: this.history };
  }

  /** Reads the file again; on 'updated' the caller swaps in served() and sends NOTIFY. */
  async reload(): Promise<ReloadReport> {
    const old = this.source;
    const base = { zone: old.zone.origin, serial: old.zone.serial };
    const report = (result: ReloadResult, more: Partial<ReloadReport> = {}): ReloadReport => ({ zone: base.zone, result, serial: base.serial, ...more });
    let next: Source;
    try {
      next = readSource(this.config, this.file, this.log);
    } catch (error) {
      const problems = error instanceof OutpostError ? (error.details.length > 0 ? error.details : [error.message]) : [(error as Error).message];
      const code = error instanceof OutpostError && error.code === 'DNS_ZONE_INVALID' ? 'DNS_ZONE_INVALID' : 'DNS_ZONE_FILE_INVALID';
      for (const p of problems) logEvent(this.log, code, { zone: old.zone.origin, file: this.file, problem: p, kept: old.zone.serial }, `${p} (the zone keeps serving serial ${old.zone.serial})`);
      return report('invalid', { problems });
    }
    if (next.digest === old.digest) {
      logEvent(this.log, 'DNS_ZONE_UNCHANGED', base);
      return report('unchanged');
    }
    const diff = diffZones(old.zone, next.zone);
    if (!serialGreater(next.zone.serial, old.zone.serial)) {
      if (next.zone.serial === old.zone.serial && diff.added.length === 0 && diff.deleted.length === 0 && soaEqual(old.zone, next.zone)) {
        this.source = { zone: old.zone, digest: next.digest }; // comments or layout only
        logEvent(this.log, 'DNS_ZONE_UNCHANGED', base);
        return report('unchanged');
      }
      const reason = `serial ${next.zone.serial} is not newer than ${old.zone.serial} but the records differ (${diff.deleted.length} deleted, ${diff.added.length} added)`;
      logEvent(this.log, 'DNS_ZONE_SERIAL_NOT_INCREASED', { ...base, file: this.file, fileSerial: next.zone.serial, deleted: diff.deleted.length, added: diff.added.length },
        `${this.file}: ${reason}; serial ${old.zone.serial} keeps being served: raise the serial and reload`);
      return report('serial-not-increased', { problems: [reason] });
    }
    const keep = this.config.ixfrHistory;
    try {
      await this.journal.append({ diff, digest: next.digest }, keep);
      this.history = this.history.append(diff, keep);
    } catch (error) {
      logEvent(this.log, 'DNS_JOURNAL_FAILED', { zone: old.zone.origin, file: this.journal.path, err: (error as NodeJS.ErrnoException).code ?? (error as Error).message });
      this.history = IxfrHistory.EMPTY;
      await this.journal.reset().catch(() => undefined);
    }
    this.source = next;
    const updated = report('updated', { serial: next.zone.serial, previousSerial: old.zone.serial, deleted: diff.deleted.length, added: diff.added.length });
    logEvent(this.log, 'DNS_ZONE_RELOADED', { ...updated, records: next.zone.recordCount, versions: this.history.versions });
    return updated;
  }
}

/** Reads and checks the zone file and what it includes; the digest covers every file's text, in the order read. */
function readSource(config: ZoneConfig, file: string, log: Logger): Source {
  const hash = createHash('sha256');
  const read = (path: string): string => {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new OutpostError('DNS_ZONE_FILE_INVALID', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    hash.update(`${path}\0${text.length}\0${text}`);
    return text;
  };
  // $INCLUDE paths come resolved against the including file.
  const { zone, warnings } = loadZoneText(read(file), { origin: config.name, file, readInclude: read });
  for (const w of warnings) logWarning(log, zone.origin, w);
  return { zone, digest: hash.digest('hex') };
}

function logWarning(log: Logger, zone: string, w: ZoneProblem): void {
  logEvent(log, 'DNS_ZONE_WARNING', { zone, warning: formatZoneProblem(w) });
}

function soaEqual(a: Zone, b: Zone): boolean {
  return a.soa.ttl === b.soa.ttl && JSON.stringify(a.soa.data) === JSON.stringify(b.soa.data);
}
