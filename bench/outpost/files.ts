// Outpost's side of the files-storm bench: the real `outpost site run` with a config
// whose only service is files, serving the bench's directory over HTTP (outpost) or
// TFTP (outpost-tftp) on the bench's address and port, access log off, logging at warn.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileServer, FileServerSetup } from '../file-server.js';
import { startBackground, type BackgroundProcess } from '../process.js';

const OUTPOST = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function outpostFiles(name: string, protocol: 'http' | 'tftp'): FileServer {
  return {
    name,
    protocol,
    async unavailable() {
      return undefined;
    },
    async start(s: FileServerSetup): Promise<BackgroundProcess> {
      const dir = join(s.workDir, name);
      mkdirSync(dir, { recursive: true });
      const listen = [{ address: s.address, port: s.port }];
      const config = {
        version: 1, site: { name: 'bench' }, server: { name: 'bench-files' },
        status: { listen: '127.0.0.1', port: 0 }, log: { level: 'warn' },
        files: {
          root: s.root, dataDir: join(dir, 'data'),
          ...(protocol === 'http' ? { http: { listen, accessLog: false } } : { tftp: { listen, maxTransfers: 4096 } }),
        },
      };
      const conf = join(dir, 'outpost-site.json');
      writeFileSync(conf, JSON.stringify(config, null, 2));
      const nodeFlags = (process.env.OUTPOST_BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
      return startBackground(process.execPath, [...nodeFlags, OUTPOST, 'site', 'run', '--config', conf], { logFile: join(dir, 'stdout.log'), cpus: s.cpus });
    },
  };
}

export const outpostHttp = outpostFiles('outpost', 'http');
export const outpostTftp = outpostFiles('outpost-tftp', 'tftp');
