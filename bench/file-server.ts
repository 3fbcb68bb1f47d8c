// What a file server must offer to be measured by the files-storm bench: nginx and
// tftpd-hpa as peers, Outpost's HTTP and TFTP parts as the contenders they are measured
// against. Each serves one directory on a loopback address and port.
import type { BackgroundProcess } from './process.js';

export interface FileServerSetup {
  /** The directory served (the firmware image and a small probe file in it). */
  root: string;
  address: string;
  port: number;
  /** Empty directory owned by this instance: config, logs. Removed afterwards. */
  workDir: string;
  /** CPU list to pin the server to (taskset syntax), or undefined. */
  cpus: string | undefined;
}

export interface FileServer {
  readonly name: string;
  readonly protocol: 'http' | 'tftp';
  /** Why it cannot run here; undefined when it can. */
  unavailable(): Promise<string | undefined>;
  /** Starts serving; the bench waits until the probe file can be fetched. */
  start(setup: FileServerSetup): Promise<BackgroundProcess>;
}
