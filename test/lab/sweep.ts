// Removes what crashed or SIGKILLed lab runs left behind. Every lab namespace and temp
// dir name carries its owner's pid (see names.ts); those whose owner is gone are swept.
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { command } from './command.js';
import { parseLabName } from './names.js';

export interface SweepReport {
  readonly namespaces: string[];
  readonly tempDirs: string[];
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, just not ours to signal
  }
}

function ownerIsDead(name: string): boolean {
  const parsed = parseLabName(name);
  return parsed !== null && !isAlive(parsed.pid);
}

export async function listLabNamespaces(): Promise<string[]> {
  const out = await command('ip', ['netns', 'list']);
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => parseLabName(name) !== null);
}

/** Kills every process inside the namespace, then deletes it. */
export async function deleteNamespace(name: string): Promise<void> {
  const pids = await command('ip', ['netns', 'pids', name]).catch(() => '');
  for (const pid of pids.split(/\s+/).filter(Boolean)) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await command('ip', ['netns', 'delete', name]);
}

/** Sweeps leftovers of lab runs whose owning process no longer exists. Live runs are untouched. */
export async function sweepDeadLabs(): Promise<SweepReport> {
  const report: SweepReport = { namespaces: [], tempDirs: [] };
  for (const name of await listLabNamespaces()) {
    if (!ownerIsDead(name)) continue;
    await deleteNamespace(name).catch(() => undefined); // a concurrent sweeper may have won
    report.namespaces.push(name);
  }
  for (const entry of readdirSync(tmpdir())) {
    if (!ownerIsDead(entry)) continue;
    rmSync(join(tmpdir(), entry), { recursive: true, force: true });
    report.tempDirs.push(entry);
  }
  return report;
}
