// Short host commands (ip, tc, ss) that the lab uses to build and inspect topology.
// Each is bounded by a timeout and fails loudly with its stderr.
import { execFile, spawnSync } from 'node:child_process';

export class LabCommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
  ) {
    super(`lab command failed (exit ${code ?? 'timeout/signal'}): ${argv.join(' ')}\n${stderr.trim()}`);
    this.name = 'LabCommandError';
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Runs a command to completion and returns its stdout; throws LabCommandError on failure. */
export function command(cmd: string, args: readonly string[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const code = typeof err.code === 'number' ? err.code : null;
        reject(new LabCommandError([cmd, ...args], code, `${stderr}${err.killed ? '\n(killed after timeout)' : ''}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

/** Synchronous variant for exit/signal handlers, where no promise will ever settle. Never throws. */
export function commandSync(cmd: string, args: readonly string[], timeoutMs = 5_000): { ok: boolean; stdout: string } {
  const r = spawnSync(cmd, args, { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' });
  return { ok: r.status === 0, stdout: r.stdout ?? '' };
}
