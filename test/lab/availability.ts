// Whether this machine can run lab tests at all. Lab tests skip with this reason
// instead of failing on machines without the privilege to make network namespaces.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CAP_NET_ADMIN = 12n;
const CAP_SYS_ADMIN = 21n; // `ip netns add` mounts the namespace under /run/netns

function effectiveCapabilities(): bigint | null {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return m?.[1] === undefined ? null : BigInt(`0x${m[1]}`);
  } catch {
    return null;
  }
}

/** Null when root with CAP_NET_ADMIN and CAP_SYS_ADMIN and `ip` present; otherwise why not. */
export function labUnavailableReason(): string | null {
  if (process.platform !== 'linux') return `not Linux (${process.platform}): the lab needs network namespaces`;
  if (process.getuid?.() !== 0) return 'not root: network namespaces need CAP_NET_ADMIN';
  const caps = effectiveCapabilities();
  if (caps !== null && ((caps >> CAP_NET_ADMIN) & 1n) === 0n) return 'root without CAP_NET_ADMIN';
  if (caps !== null && ((caps >> CAP_SYS_ADMIN) & 1n) === 0n) return 'root without CAP_SYS_ADMIN (needed by ip netns add)';
  const ip = spawnSync('ip', ['-V'], { encoding: 'utf8', timeout: 5_000 });
  if (ip.error || ip.status !== 0) return '`ip` (iproute2) not found';
  return null;
}

/** Programs from `names` missing from PATH, e.g. ["kdig"]; empty when all are there. */
export function missingPrograms(names: readonly string[]): string[] {
  return names.filter((name) => spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { timeout: 5_000 }).status !== 0);
}
