// The phone file service of the site daemon (docs/files.md): the served tree
// (files-tree.ts) and its parts — HTTP (files-http.ts), TFTP (files-tftp.ts) and the
// sync of the served set with a manifest (files-sync.ts) — each started when its section
// is configured, stopped in reverse order. The service owns files.dataDir (a flock, like
// dns.dataDir): synced sets, downloads in progress, uploaded backups. Without sync the
// tree is files.root; with sync it is <dataDir>/current, the link the sync switches.
import { join, resolve } from 'node:path';
import type { Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { FilesConfig } from '../config/files-schema.js';
import type { EventSink } from '../protocol/agent/events.js';
import type { FileLock } from '../runtime/file-lock.js';
import { logEvent, type Logger } from '../runtime/log.js';
import { FilesHttp } from './files-http.js';
import { lockDataDir } from './data-dir-lock.js';
import { FileTree } from './files-tree.js';
import { FilesSync } from './files-sync.js';
import { FilesTftp } from './files-tftp.js';
import type { SiteService } from './service.js';

export const FILES_LOCK_FILE = 'files.lock';
/** The link to the set served when files.sync is configured, in files.dataDir. */
export const CURRENT_SET = 'current';

export interface FilesServiceOptions {
  readonly config: FilesConfig;
  readonly configDir: string;
  readonly log: Logger;
  readonly clock: Clock;
  readonly registry: Registry;
  /** Where stored uploads are reported (the agent's outbox); absent: they are only logged. */
  readonly events?: EventSink;
}

/** What every part is built from. */
export interface FilesPartOptions extends FilesServiceOptions {
  readonly tree: FileTree;
  /** files.dataDir, resolved. */
  readonly dataDir: string;
}

/** One part of the service: HTTP, TFTP or sync. */
export interface FilesPart {
  readonly name: 'http' | 'tftp' | 'sync';
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Its state for GET /files. */
  status(): Record<string, unknown>;
}

/** The parts the config asks for, in start order (sync first: it switches the tree before anything is served from it). */
function partsFor(o: FilesPartOptions): FilesPart[] {
  const c = o.config;
  return [...(c.sync ? [new FilesSync(o)] : []), ...(c.http ? [new FilesHttp(o)] : []), ...(c.tftp ? [new FilesTftp(o)] : [])];
}

export class FilesService implements SiteService {
  readonly name = 'files';
  readonly tree: FileTree;
  private parts: FilesPart[] = [];
  private lock?: FileLock;
  private readonly dataDir: string;

  constructor(private readonly opts: FilesServiceOptions) {
    this.dataDir = resolve(opts.configDir, opts.config.dataDir);
    this.tree = new FileTree(opts.config.sync ? join(this.dataDir, CURRENT_SET) : resolve(opts.configDir, opts.config.root));
  }

  async start(): Promise<void> {
    this.lock = await lockDataDir(this.dataDir, FILES_LOCK_FILE, 'files.dataDir', 'one file service', 'FILES_DATA_DIR_UNAVAILABLE');
    try {
      for (const part of partsFor({ ...this.opts, tree: this.tree, dataDir: this.dataDir })) {
        await part.start();
        this.parts.push(part);
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
    logEvent(this.opts.log, 'FILES_STARTED', { root: this.tree.rootPath, parts: this.parts.map((p) => p.name) });
  }

  async stop(): Promise<void> {
    for (const part of this.parts.splice(0).reverse()) await part.stop().catch(() => undefined);
    this.lock?.release();
    this.lock = undefined;
  }

  /** POST /files/sync: a sync attempt now (files.sync configured, the service running). */
  syncNow(): { status: number; body: unknown } {
    const sync = this.parts.find((p): p is FilesSync => p instanceof FilesSync);
    return sync ? sync.syncNow() : { status: 503, body: { error: 'the file sync is not running' } };
  }

  /** GET /files. */
  status(): Record<string, unknown> {
    return { root: this.tree.rootPath, ...Object.fromEntries(this.parts.map((p) => [p.name, p.status()])) };
  }
}
