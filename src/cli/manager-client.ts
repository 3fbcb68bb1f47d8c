// The manager's API client for the CLI (docs/api.md "CLI"): the manager is --manager URL
// (or OUTPOST_MANAGER), the credential --token-file FILE (or OUTPOST_TOKEN); tables by
// default, the API's JSON with --json. An API error is printed with its code, object and
// field, and the exit status says what kind it was.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, writeTable } from './status-target.js';
import { countingBody, Progress, type ProgressChoice } from './progress.js';

export interface Connection { manager?: string; tokenFile?: string; json?: boolean }
export type Row = Record<string, unknown>;

export class CliFailure extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

async function connect(o: Connection): Promise<{ base: string; token: string }> {
  const manager = o.manager ?? process.env.OUTPOST_MANAGER;
  if (!manager) throw new CliFailure('give --manager URL (or set OUTPOST_MANAGER), e.g. http://127.0.0.1:8440', EXIT_USAGE);
  let token = process.env.OUTPOST_TOKEN;
  if (o.tokenFile) {
    token = (await readFile(o.tokenFile, 'utf8').catch((e: NodeJS.ErrnoException) => { throw new CliFailure(`--token-file ${o.tokenFile}: ${e.code ?? e.message}`, EXIT_USAGE); })).trim();
  }
  if (!token) throw new CliFailure('give --token-file FILE (or set OUTPOST_TOKEN): an API token, e.g. the admin.token of the manager\'s data directory', EXIT_USAGE);
  return { base: `${manager.replace(/\/+$/, '').replace(/\/api\/v1$/, '')}/api/v1`, token };
}

export async function send(o: Connection, method: string, path: string, body: string | ReadableStream<Uint8Array> | undefined, headers: Record<string, string>): Promise<Response> {
  const { base, token } = await connect(o);
  try {
    // A stream (a file sent with progress) goes out as it is read: half duplex.
    const payload = body === undefined ? {} : typeof body === 'string' ? { body } : { body, duplex: 'half' };
    return await fetch(`${base}${path}`, { method, signal: AbortSignal.timeout(600_000), headers: { authorization: `Bearer ${token}`, ...headers }, ...payload } as RequestInit);
  } catch (error) {
    throw new CliFailure(`cannot reach the manager at ${base}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`, EXIT_FAILED);
  }
}

export async function call(o: Connection, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Row> {
  const res = await send(o, method, path, body === undefined ? undefined : JSON.stringify(body), { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
  return answer(res);
}

/** The JSON of an answer; an error answer becomes a CliFailure with code, message, object and field. */
export async function answer(res: Response): Promise<Row> {
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as Row) : {};
  if (!res.ok && !('applied' in parsed)) {
    const e = (parsed.error ?? {}) as { code?: string; message?: string; object?: string; field?: string };
    const where = [e.object, e.field && `field ${e.field}`].filter(Boolean).join(', ');
    throw new CliFailure(`${e.code ?? `HTTP ${res.status}`}: ${e.message ?? text}${where ? ` (${where})` : ''}`, res.status === 400 || res.status === 422 ? EXIT_USAGE : EXIT_FAILED);
  }
  return parsed;
}

/** Every page of a list (the API's keyset pages followed to the end, or up to --limit rows). */
export async function listAll(o: Connection & ProgressChoice & { limit?: string }, path: string, query: Record<string, string | undefined>): Promise<Row[]> {
  const max = o.limit ? Number(o.limit) : Infinity;
  const rows: Row[] = [];
  const progress = Progress.for(o, 'reading', 'rows', Number.isFinite(max) ? max : undefined);
  let after: number | null = 0;
  while (after !== null && rows.length < max) {
    const q = new URLSearchParams({ ...Object.fromEntries(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined)), limit: String(Math.min(1000, max - rows.length)), after: String(after) });
    const page = await call(o, 'GET', `${path}?${q}`);
    rows.push(...(page.items as Row[]));
    after = page.next as number | null;
    progress.update(rows.length, after === null);
  }
  progress.end();
  return rows;
}

/** An export's CSV, copied to standard output as it arrives, its bytes counted. */
export async function download(o: Connection & ProgressChoice, path: string): Promise<void> {
  const res = await send(o, 'GET', path, undefined, {});
  if (!res.ok || !res.body) { await answer(res); return; }
  const length = Number(res.headers.get('content-length') ?? NaN);
  const progress = Progress.for(o, 'exporting', 'bytes', Number.isFinite(length) ? length : undefined);
  let received = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    received += chunk.length;
    if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once('drain', r));
    progress.update(received);
  }
  progress.update(received, true);
  progress.end();
}

/** A CSV file sent for import: its bytes as they go, then the time the manager takes to check and write it. */
export async function upload(o: Connection & ProgressChoice, path: string, text: string): Promise<Row> {
  const data = Buffer.from(text, 'utf8');
  const progress = Progress.for(o, 'sending', 'bytes', data.length);
  try {
    const res = await send(o, 'POST', path, countingBody(data, progress, () => progress.waiting('importing')), { 'content-type': 'text/csv' });
    return await answer(res);
  } finally {
    progress.end();
  }
}

const show = (v: unknown): string => (v === null || v === undefined ? '-' : Array.isArray(v) ? v.join(',') : String(v));

export function print(o: Connection, rows: Row | Row[], columns: readonly string[]): void {
  if (o.json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return;
  }
  const list = Array.isArray(rows) ? rows : [rows];
  writeTable(process.stdout, [columns.map((c) => c.replace(/([A-Z])/g, '-$1').toUpperCase()), ...list.map((r) => columns.map((c) => show(r[c])))]);
}

/** Runs a command body; an error becomes a line on stderr and an exit status. */
export function run<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
      process.exitCode = EXIT_OK;
    } catch (error) {
      process.stderr.write(`outpost: ${(error as Error).message}\n`);
      process.exitCode = error instanceof CliFailure ? error.status : EXIT_FAILED;
    }
  };
}

/** The options every manager command takes. */
export const withConnection = (c: Command): Command => c
  .option('--manager <url>', 'the manager (default: $OUTPOST_MANAGER), e.g. http://127.0.0.1:8440')
  .option('--token-file <file>', 'a file holding an API token (default: $OUTPOST_TOKEN)')
  .option('--json', 'print the API\'s JSON');
