// Programs the lab starts: each in its own process group (so a stop reaches its
// children too), with stdout and stderr captured for assertions and for failure reports.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface RunResult extends ExitStatus {
  readonly stdout: string;
  readonly stderr: string;
  /** True when the program was killed because it outlived timeoutMs. */
  readonly timedOut: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  env?: Record<string, string>;
  cwd?: string;
  input?: string;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
}

export class LabTimeoutError extends Error {
  constructor(
    what: string,
    readonly output: string,
  ) {
    super(`${what}\n--- captured output ---\n${tail(output)}`);
    this.name = 'LabTimeoutError';
  }
}

const DEFAULT_RUN_TIMEOUT_MS = 30_000;
const MAX_CAPTURE_CHARS = 4 * 1024 * 1024; // bounded memory for chatty servers under load
const MAX_LINES = 100_000;
/** After 'exit', how long to wait for the pipes to drain before treating output as complete. */
const DRAIN_MS = 300;

function tail(text: string, max = 8_000): string {
  return text.length <= max ? text : `[... ${text.length - max} chars omitted ...]\n${text.slice(-max)}`;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  // No pid means spawn failed; -(-1) or -0 would signal init or our own group.
  if (pid === undefined || pid <= 0) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function withEnv(env: Record<string, string> | undefined): NodeJS.ProcessEnv {
  return env ? { ...process.env, ...env } : process.env;
}

/** Runs argv to completion, bounded by timeoutMs (default 30 s), capturing its output. */
export function runCaptured(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('runCaptured: empty argv');
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      detached: true,
      cwd: opts.cwd,
      env: withEnv(opts.env),
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, opts.timeoutMs ?? DEFAULT_RUN_TIMEOUT_MS);
    const finish = (code: number | null, signal: string | null): void => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    };
    child.on('error', (err) => {
      stderr += String(err);
      finish(null, null);
    });
    child.on('close', (code, signal) => finish(code, signal));
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

interface LineWaiter {
  readonly re: RegExp;
  readonly resolve: (line: string) => void;
}

/** A long-running program with captured output. Create with Netns.spawn. */
export class LabProcess {
  readonly pid: number;
  /** Settles once the program has exited and its output is complete. Does not keep node alive: see wait(). */
  private readonly exited: Promise<ExitStatus>;
  /** How many callers are waiting on this program; while any are, it keeps node's event loop alive. */
  private holds = 0;

  private readonly child: ChildProcess;
  private captured = '';
  private droppedChars = 0;
  private readonly lines: string[] = [];
  private droppedLines = 0;
  private readonly partial = { stdout: '', stderr: '' };
  private readonly waiters = new Set<LineWaiter>();
  private status: ExitStatus | null = null;

  constructor(argv: readonly string[], opts: SpawnOptions = {}) {
    const [cmd, ...args] = argv;
    if (cmd === undefined) throw new Error('LabProcess: empty argv');
    this.child = spawn(cmd, args, { detached: true, cwd: opts.cwd, env: withEnv(opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = this.child.pid ?? -1;
    // The lab, not this handle, bounds the program's life: a test that forgets to stop it
    // must still let node end (the exit handler then kills the program), so the handles
    // are unreferenced except while someone waits on the program.
    this.setRef(false);
    this.child.stdout?.setEncoding('utf8').on('data', (s: string) => this.onData('stdout', s));
    this.child.stderr?.setEncoding('utf8').on('data', (s: string) => this.onData('stderr', s));
    this.exited = new Promise((resolve) => {
      let drainTimer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(drainTimer);
        if (this.status === null) this.status = { code: null, signal: null };
        this.flushPartials();
        resolve(this.status);
      };
      this.child.on('error', (err) => {
        this.onData('stderr', `${String(err)}\n`);
        done();
      });
      this.child.on('exit', (code, signal) => {
        this.status = { code, signal };
        // A daemonised grandchild may hold the pipes open; do not wait for it forever.
        drainTimer = setTimeout(done, DRAIN_MS);
      });
      this.child.on('close', done);
    });
  }

  /** stdout and stderr so far, interleaved in arrival order. */
  output(): string {
    return this.droppedChars ? `[... ${this.droppedChars} chars dropped ...]\n${this.captured}` : this.captured;
  }

  /** Number of complete lines seen so far; pass it to waitForLine to ignore older lines. */
  mark(): number {
    return this.droppedLines + this.lines.length;
  }

  /** Resolves when the program has exited (output complete); keeps node alive until then. */
  async wait(): Promise<ExitStatus> {
    this.hold();
    try {
      return await this.exited;
    } finally {
      this.release();
    }
  }

  /** Calls fn after exit, without keeping node alive for it. */
  onExit(fn: (status: ExitStatus) => void): void {
    void this.exited.then(fn);
  }

  /** Null while running. */
  exitStatus(): ExitStatus | null {
    return this.status;
  }

  /**
   * Resolves with the first complete output line (from line number `since` on) matching re.
   * Rejects with LabTimeoutError, carrying the output, on timeout or if the program exits first.
   */
  waitForLine(pattern: RegExp, timeoutMs: number, since = 0): Promise<string> {
    const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, '')); // stateless test()
    const seen = this.lines.slice(Math.max(0, since - this.droppedLines)).find((line) => re.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    this.hold();
    return new Promise<string>((resolve, reject) => {
      const waiter: LineWaiter = {
        re,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new LabTimeoutError(`pid ${this.pid}: no line matching ${re} within ${timeoutMs} ms`, this.output()));
      }, timeoutMs);
      this.waiters.add(waiter);
      void this.exited.then((status) => {
        if (!this.waiters.delete(waiter)) return;
        clearTimeout(timer);
        const why = `exited (code ${status.code}, signal ${status.signal})`;
        reject(new LabTimeoutError(`pid ${this.pid} ${why} before printing a line matching ${re}`, this.output()));
      });
    }).finally(() => this.release());
  }

  /** SIGTERM to the whole process group, SIGKILL after timeoutMs (default 5 s). Idempotent. */
  async stop(timeoutMs = 5_000): Promise<ExitStatus> {
    if (this.status === null) killGroup(this.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(this.pid, 'SIGKILL'), timeoutMs);
    try {
      return await this.wait();
    } finally {
      clearTimeout(timer);
      killGroup(this.pid, 'SIGKILL'); // children that ignored SIGTERM after their parent left
    }
  }

  /** For exit and signal handlers: no waiting possible there. */
  killSync(): void {
    killGroup(this.pid, 'SIGKILL');
  }

  private hold(): void {
    if (this.holds++ === 0) this.setRef(true);
  }

  private release(): void {
    if (--this.holds === 0) this.setRef(false);
  }

  private setRef(on: boolean): void {
    type Refable = { ref?: () => void; unref?: () => void } | null;
    for (const handle of [this.child, this.child.stdout, this.child.stderr] as Refable[]) {
      if (on) handle?.ref?.();
      else handle?.unref?.();
    }
  }

  private onData(stream: 'stdout' | 'stderr', text: string): void {
    this.captured += text;
    if (this.captured.length > MAX_CAPTURE_CHARS) {
      const cut = this.captured.length - MAX_CAPTURE_CHARS / 2;
      this.captured = this.captured.slice(cut);
      this.droppedChars += cut;
    }
    const pieces = (this.partial[stream] + text).split('\n');
    this.partial[stream] = pieces.pop() ?? '';
    for (const line of pieces) this.addLine(line);
  }

  private flushPartials(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream] !== '') this.addLine(this.partial[stream]);
      this.partial[stream] = '';
    }
  }

  private addLine(line: string): void {
    this.lines.push(line);
    if (this.lines.length > MAX_LINES) {
      this.lines.splice(0, MAX_LINES / 2);
      this.droppedLines += MAX_LINES / 2;
    }
    for (const waiter of this.waiters) {
      if (waiter.re.test(line)) {
        this.waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  }
}
