// nginx as the files-storm HTTP peer: one worker process (every contender gets one
// core), sendfile on, no access log, serving the bench's directory.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileServer, FileServerSetup } from '../file-server.js';
import { onPath } from '../machine.js';
import { startBackground, type BackgroundProcess } from '../process.js';

function config(s: FileServerSetup, dir: string): string {
  return `daemon off;
master_process on;
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 30;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  default_type application/octet-stream;
  server {
    listen ${s.address}:${s.port};
    root ${s.root};
    autoindex off;
  }
}
`;
}

export const nginx: FileServer = {
  name: 'nginx',
  protocol: 'http',
  async unavailable() {
    return onPath('nginx') ? undefined : 'nginx not found (Debian package nginx)';
  },
  async start(s: FileServerSetup): Promise<BackgroundProcess> {
    const dir = join(s.workDir, 'nginx');
    mkdirSync(dir, { recursive: true });
    const conf = join(dir, 'nginx.conf');
    writeFileSync(conf, config(s, dir));
    return startBackground('nginx', ['-c', conf, '-p', dir, '-e', join(dir, 'error.log')], { logFile: join(dir, 'stdout.log'), cpus: s.cpus });
  },
};
