// Facts about the machine and the exact programs a result came from, so a
// figure can be compared with one taken elsewhere (or dismissed).
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import os from 'node:os';

/** A program whose version belongs in the result: how to ask it, and its Debian package. */
export interface ProgramRef {
  name: string;
  args: readonly string[];
  debianPackage?: string;
}

export const PROGRAMS = {
  perfdhcp: { name: 'perfdhcp', args: ['-v'], debianPackage: 'kea-admin' },
  keaDhcp4: { name: 'kea-dhcp4', args: ['-v'], debianPackage: 'kea-dhcp4-server' },
  keaCtrlAgent: { name: 'kea-ctrl-agent', args: ['-v'], debianPackage: 'kea-ctrl-agent' },
  curl: { name: 'curl', args: ['--version'], debianPackage: 'curl' },
  knotd: { name: 'knotd', args: ['-V'], debianPackage: 'knot' },
  nsd: { name: 'nsd', args: ['-v'], debianPackage: 'nsd' },
  named: { name: 'named', args: ['-v'], debianPackage: 'bind9' },
  dnsperf: { name: 'dnsperf', args: ['-h'], debianPackage: 'dnsperf' },
  ip: { name: 'ip', args: ['-V'], debianPackage: 'iproute2' },
  taskset: { name: 'taskset', args: ['--version'], debianPackage: 'util-linux' },
  h2load: { name: 'h2load', args: ['--version'], debianPackage: 'nghttp2-client' },
  atftp: { name: 'atftp', args: ['--version'], debianPackage: 'atftp' },
  nginx: { name: 'nginx', args: ['-v'], debianPackage: 'nginx' },
  tftpd: { name: 'in.tftpd', args: ['--version'], debianPackage: 'tftpd-hpa' },
} as const satisfies Record<string, ProgramRef>;

export interface ProgramVersion {
  /** Version number as the program reports it, or undefined if it could not be run. */
  version: string | undefined;
  /** The line it came from, verbatim, for versions that need context (BIND's edition). */
  reported: string | undefined;
  debianPackage?: string;
  debianVersion?: string;
}

export interface MachineFacts {
  cpuModel: string;
  cores: number;
  kernel: string;
  os: string;
  arch: string;
  memoryBytes: number;
  node: string;
  loadAverage1m: number;
  udpBuffers: { rmemDefault?: number; rmemMax?: number; wmemDefault?: number; wmemMax?: number };
  programs: Record<string, ProgramVersion>;
}

function run(cmd: string, args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 5_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      // Several of these print their version on stderr or exit non-zero after -h.
      const text = `${stdout ?? ''}\n${stderr ?? ''}`;
      resolve(err && (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : text);
    });
  });
}

function readNumber(path: string): number | undefined {
  try {
    const n = Number(readFileSync(path, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m?.[1] ?? os.type();
  } catch {
    return os.type();
  }
}

export async function programVersion(p: ProgramRef): Promise<ProgramVersion> {
  const text = await run(p.name, p.args);
  // The version line is the first one carrying a dotted number (dnsperf prints usage first).
  const line = text?.split('\n').map((l) => l.trim()).find((l) => /\d+\.\d+/.test(l));
  const version = line ? /\d+\.\d+(?:\.\d+)?(?:[-~.+\w]*)?/.exec(line)?.[0] : undefined;
  const out: ProgramVersion = { version, reported: line };
  if (p.debianPackage) {
    out.debianPackage = p.debianPackage;
    const deb = await run('dpkg-query', ['-W', '-f', '${Version}', p.debianPackage]);
    const v = deb?.trim();
    if (v && !/no packages found/i.test(v)) out.debianVersion = v;
  }
  return out;
}

export async function machineFacts(programs: readonly ProgramRef[]): Promise<MachineFacts> {
  const cpus = os.cpus();
  const versions: Record<string, ProgramVersion> = {};
  for (const p of programs) versions[p.name] = await programVersion(p);
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    kernel: `${os.type()} ${os.release()} ${os.version()}`,
    os: osName(),
    arch: os.arch(),
    memoryBytes: os.totalmem(),
    node: process.version,
    // Noise indicator: a busy machine makes every figure lower.
    loadAverage1m: os.loadavg()[0] ?? 0,
    udpBuffers: {
      rmemDefault: readNumber('/proc/sys/net/core/rmem_default'),
      rmemMax: readNumber('/proc/sys/net/core/rmem_max'),
      wmemDefault: readNumber('/proc/sys/net/core/wmem_default'),
      wmemMax: readNumber('/proc/sys/net/core/wmem_max'),
    },
    programs: versions,
  };
}

/** Is an executable on PATH? Used to refuse early with a clear message. */
export function onPath(cmd: string): boolean {
  // /usr/sbin is where Debian puts these daemons; non-root PATHs often lack it.
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
