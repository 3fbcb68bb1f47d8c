// A child process whose output a system test can wait on, killed when the test ends.
import { spawn, type ChildProcess } from 'node:child_process';

export interface Child {
  readonly proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exit(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  kill(): void;
}

export function startChild(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Child {
  const proc = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (c: Buffer) => { out += c.toString(); });
  proc.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() }));
  });
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    async waitFor(re, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = (out + err).match(re);
        if (m) return m;
        if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`process exited before ${re}; output:\n${out}${err}`);
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${re}; output:\n${out}${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async exit(timeoutMs = 10_000) {
      const from = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`process did not exit within ${timeoutMs} ms; output:\n${out}${err}`)), timeoutMs); });
      try {
        const r = await Promise.race([exited, timeout]);
        return { code: r.code, signal: r.signal, ms: r.at - from };
      } finally {
        clearTimeout(timer);
      }
    },
    kill() { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL'); },
  };
}
