// Local (host network namespace) processes for benches that run on loopback:
// servers started in the background with their output in a log file, and
// bounded load-tool runs. Every child is stopped on exit, pass or fail.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { onCleanup } from './cleanup.js';

/** Prefix that pins a command to the given CPU list (taskset execs, so the pid stays). */
export function pinned(cpus: string | undefined, cmd: string, args: readonly string[]): [string, string[]] {
  return cpus === undefined ? [cmd, [...args]] : ['taskset', ['-c', cpus, cmd, ...args]];
}

export interface BackgroundProcess {
  readonly pid: number;
  readonly logFile: string;
  /** Resolves when the process exits, with a human-readable reason. */
  readonly exited: Promise<string>;
  isRunning(): boolean;
  /** SIGTERM the process group, SIGKILL after graceMs; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Set<ChildProcess>();
// Last resort for crashes: synchronous, so it still runs inside process.exit().
process.on('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal); // detached → own group, reaches forked workers (nsd)
  } catch {
    try { child.kill(signal); } catch { /* already gone */ }
  }
}

export function startBackground(
  cmd: string,
  args: readonly string[],
  opts: { logFile: string; cpus?: string | undefined; env?: NodeJS.ProcessEnv },
): BackgroundProcess {
  const [file, argv] = pinned(opts.cpus, cmd, args);
  const fd = openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(file, argv, { stdio: ['ignore', fd, fd], detached: true, env: opts.env ?? process.env });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  live.add(child);
  let running = true;
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => { running = false; live.delete(child); resolve(`failed to start: ${err.message}`); });
    child.once('exit', (code, signal) => {
      running = false;
      live.delete(child);
      resolve(signal ? `killed by ${signal}` : `exited with code ${code}`);
    });
  });
  const stop = async (graceMs = 5_000): Promise<void> => {
    if (!running) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    killGroup(child, 'SIGKILL'); // stray forked workers, if any survived their parent
  };
  const forget = onCleanup(`${cmd} (pid ${child.pid})`, () => stop());
  void exited.then(() => forget());
  return { pid: child.pid, logFile: opts.logFile, exited, isRunning: () => running, stop };
}

/** Last lines of a log file, for error messages. */
export function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface Completed {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command to completion, killed after timeoutMs so no load loop is unbounded. */
export function runBounded(
  cmd: string,
  args: readonly string[],
  opts: { timeoutMs: number; cpus?: string | undefined },
): Promise<Completed> {
  const [file, argv] = pinned(opts.cpus, cmd, args);
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    live.add(child);
    const forget = onCleanup(`${cmd} (pid ${child.pid})`, () => killGroup(child, 'SIGKILL'));
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => { timedOut = true; killGroup(child, 'SIGKILL'); }, opts.timeoutMs);
    child.once('error', (err) => { clearTimeout(timer); live.delete(child); void forget(); reject(err); });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      void forget();
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}
