// How the two cores (or more) are split between the server and the load tool.
// Every server gets exactly one core: Outpost's protocol loop is one Node.js
// thread, so peers are configured single-threaded and pinned the same way.
import os from 'node:os';

export interface CpuPlan {
  server: string | undefined;
  load: string | undefined;
  /** Threads the load tool should use on its CPUs. */
  loadThreads: number;
  description: string;
}

export function planCpus(pin: boolean): CpuPlan {
  const n = os.cpus().length;
  if (!pin || n < 2) {
    return { server: undefined, load: undefined, loadThreads: 1, description: pin ? `not pinned (only ${n} CPU)` : 'not pinned (--no-pin)' };
  }
  const load = n === 2 ? '1' : `1-${n - 1}`;
  return { server: '0', load, loadThreads: Math.min(n - 1, 4), description: `server on CPU 0, load tool on CPU ${load}` };
}
