// tftpd-hpa as the files-storm TFTP peer: standalone (-L), one process that forks one
// child per transfer, all pinned to the server's core; --secure serves the bench's
// directory as root (a chroot, so the bench's TFTP part needs root), read-only.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FileServer, FileServerSetup } from '../file-server.js';
import { onPath } from '../machine.js';
import { startBackground, type BackgroundProcess } from '../process.js';

export const tftpdHpa: FileServer = {
  name: 'tftpd-hpa',
  protocol: 'tftp',
  async unavailable() {
    if (!onPath('in.tftpd')) return 'in.tftpd not found (Debian package tftpd-hpa)';
    if (process.getuid?.() !== 0) return 'tftpd-hpa needs root (it chroots into the served directory): run the bench as root';
    return undefined;
  },
  async start(s: FileServerSetup): Promise<BackgroundProcess> {
    const dir = join(s.workDir, 'tftpd-hpa');
    mkdirSync(dir, { recursive: true });
    return startBackground('in.tftpd', ['--listen', '--foreground', '--secure', '--user', 'root', '--address', `${s.address}:${s.port}`, s.root], { logFile: join(dir, 'stdout.log'), cpus: s.cpus });
  },
};
