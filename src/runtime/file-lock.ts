// An exclusive lock on a file, held for as long as this process keeps it: one process
// per lease directory. flock(2) through the native addon (Node has no file locks); the
// kernel releases it when the process dies, kill -9 included, so a crash never leaves
// a stale lock, unlike a PID file. The file holds the owner's pid, for the message
// another process gets.
import { closeSync, ftruncateSync, readFileSync, writeSync } from 'node:fs';
import { addon } from './udp4-socket.js';

export class FileLock {
  private constructor(readonly path: string, private fd: number) {}

  /**
   * Takes the lock or throws at once: an Error with code EWOULDBLOCK and the holder's
   * pid in `holder` when another process has it; the open error (ENOENT, EACCES, …) otherwise.
   */
  static acquire(path: string): FileLock {
    let fd: number;
    try {
      fd = addon().lockFile(path);
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { holder?: number };
      if (e.code === 'EWOULDBLOCK' || e.code === 'EAGAIN') {
        e.code = 'EWOULDBLOCK';
        const pid = Number.parseInt(safeRead(path), 10);
        if (Number.isInteger(pid) && pid > 0) e.holder = pid;
      }
      throw e;
    }
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`, 0);
    return new FileLock(path, fd);
  }

  /** Releases the lock (the file stays). Idempotent. */
  release(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    closeSync(fd);
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
