// `outpost files status|sync`: a running site daemon's phone file sync, through its
// status port. status reads GET /files (no token); sync POSTs /files/sync with the
// daemon's control token as bearer (control.token in dhcp.leaseDir, else dns.dataDir,
// else files.dataDir: control-token.ts).
import { age, EXIT_FAILED, EXIT_OK, getStatus, postCommand, refused, writeTable, type CommandOptions, type TargetOptions } from './status-target.js';

export interface FilesStatusOptions extends TargetOptions {
  json?: boolean;
}

export type FilesSyncOptions = CommandOptions;

interface SyncView {
  state?: string;
  served?: { version?: string; set?: string } | null;
  target?: { version?: string; files?: number };
  progress?: { files?: number; filesTotal?: number; bytes?: number; bytesTotal?: number; file?: { path?: string; size?: number } } | null;
  lastSuccess?: number | null;
  lastError?: { at?: number; message?: string } | null;
  nextAttemptAt?: number | null;
  rejected?: number;
}

export async function filesStatus(o: FilesStatusOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const name = 'outpost files status';
  const text = await getStatus(name, '/files', o, err, 'file service');
  if (typeof text === 'number') return text;
  if (o.json) { out.write(text.endsWith('\n') ? text : text + '\n'); return EXIT_OK; }
  let body: { root?: string; sync?: SyncView };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    err.write(`${name}: the daemon's answer is not JSON\n`);
    return EXIT_FAILED;
  }
  const s = body.sync;
  if (!s) { out.write(`no sync on this server: serving ${body.root ?? '?'} as it is\n`); return EXIT_OK; }
  const now = Date.now();
  const p = s.progress;
  writeTable(out, [
    ['SERVED', 'TARGET', 'STATE', 'PROGRESS', 'LAST-SUCCESS', 'REJECTED'],
    [
      s.served?.version ?? '(none)', `${s.target?.version ?? '?'} (${s.target?.files ?? '?'} files)`, s.state ?? '?',
      p ? `${p.files ?? 0}/${p.filesTotal ?? 0} files, ${mib(p.bytes)}/${mib(p.bytesTotal)}` : '-',
      age(s.lastSuccess === null || s.lastSuccess === undefined ? undefined : now - s.lastSuccess), String(s.rejected ?? 0),
    ],
  ]);
  if (p?.file) out.write(`fetching ${p.file.path ?? '?'} (${mib(p.file.size)})\n`);
  if (s.lastError) out.write(`last error (${age(s.lastError.at === undefined ? undefined : now - s.lastError.at)}): ${s.lastError.message ?? '?'}\n`);
  if (s.nextAttemptAt) out.write(`next attempt in ${Math.max(0, Math.round((s.nextAttemptAt - now) / 1000))} s\n`);
  return EXIT_OK;
}

export async function filesSync(o: FilesSyncOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const name = 'outpost files sync';
  const r = await postCommand(name, '/files/sync', o, err, { section: 'files.sync section', service: 'file sync' });
  if (typeof r === 'number') return r;
  if (r.status !== 202) return refused(name, r, err);
  const body = JSON.parse(r.text) as { started?: boolean; state?: string; from?: string; to?: string };
  out.write(body.started ? `sync started (${body.from} → ${body.to}); follow it with outpost files status\n` : `an attempt is under way (${body.state}); follow it with outpost files status\n`);
  return EXIT_OK;
}

function mib(bytes: number | undefined): string {
  if (bytes === undefined) return '?';
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KiB` : `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
