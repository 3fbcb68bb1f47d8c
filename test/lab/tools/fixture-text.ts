// What the capture tools write into a fixture's header and body: the Debian package
// version of the program that sent a packet, and the packet as hex, 32 bytes a line.
import { spawnSync } from 'node:child_process';

export function pkgVersion(pkg: string): string {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown version';
}

export function hexLines(b: Buffer): string {
  const hex = b.toString('hex');
  const lines: string[] = [];
  for (let i = 0; i < hex.length; i += 64) lines.push(hex.slice(i, i + 64));
  return lines.join('\n');
}
