// Names of everything a lab run creates. Each carries the run id, and the run id
// carries the owner's pid, so a sweeper can tell leftovers of dead runs from live ones.
import { randomBytes } from 'node:crypto';

/** Every namespace and temp dir of every lab run starts with this. */
export const LAB_PREFIX = 'op-';

const MAX_IFNAME = 15; // IFNAMSIZ - 1

export interface RunId {
  /** "<pid base36>-<4 random base36>", e.g. "2kx9-a0z3". */
  readonly id: string;
  readonly pid: number;
  /** Random part only: short enough to fit in interface names. */
  readonly tag: string;
}

/** Tags given out in this process: a random 4-character tag repeats once in ~1.7 million, and two runs of one process must never share one. */
const issued = new Set<string>();

export function newRunId(pid = process.pid): RunId {
  let tag: string;
  do tag = Array.from(randomBytes(4), (b) => (b % 36).toString(36)).join('');
  while (issued.has(tag));
  issued.add(tag);
  return { id: `${pid.toString(36)}-${tag}`, pid, tag };
}

/** Logical names become part of file and device names: keep them boring. */
export function assertLogicalName(name: string): void {
  if (!/^[a-z0-9][a-z0-9-]{0,31}$/.test(name)) {
    throw new Error(`lab name "${name}" must match [a-z0-9][a-z0-9-]{0,31}`);
  }
}

export function namespaceName(run: RunId, logical: string): string {
  assertLogicalName(logical);
  return `${LAB_PREFIX}${run.id}-${logical}`;
}

export function tempDirPrefix(run: RunId): string {
  return `${LAB_PREFIX}${run.id}-`;
}

/**
 * Interface name such as "va0z3c2a": kind letter, run tag, serial (base 36), optional side.
 * Unique within the run; carrying the tag keeps them apart from other runs' even if
 * one ever appeared in a shared namespace.
 */
export function interfaceName(run: RunId, kind: 'v' | 'b' | 's' | 't', serial: number, side = ''): string {
  const name = `${kind}${run.tag}${serial.toString(36)}${side}`;
  if (name.length > MAX_IFNAME) throw new Error(`interface name "${name}" longer than ${MAX_IFNAME}`);
  return name;
}

/** Owner pid and run id parsed out of a namespace or temp dir name of ours; null if not ours. */
export function parseLabName(name: string): { runId: string; pid: number } | null {
  const m = /^op-([0-9a-z]{1,8})-([0-9a-z]{4})-/.exec(name);
  if (!m || m[1] === undefined) return null;
  return { runId: `${m[1]}-${m[2]}`, pid: parseInt(m[1], 36) };
}
