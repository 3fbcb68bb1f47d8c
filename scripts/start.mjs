// `npm start`: installs and builds as needed, then runs the main job on the embedded
// default. Until the manager exists that is the site daemon with the single-site
// example, on unprivileged local ports.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { root, setup } from './setup.mjs';

setup();

const portIsFree = (port) => new Promise((resolve) => {
  const probe = createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
});

// The example as written, but runnable by anyone on any machine: the status port
// moves to a free one if 9180 is taken, DHCP stays off (the example serves VLAN
// interfaces eth0.10/20/30 on port 67, which a demo machine does not have), and the
// phone files are served from examples/files/ on loopback, on ports the kernel picks.
const { applyEdits, modify } = await import('jsonc-parser');
const example = join(root, 'examples', 'single-site.jsonc');
let text = readFileSync(example, 'utf8');
const edit = (path, value) => { text = applyEdits(text, modify(text, path, value, { formattingOptions: { insertSpaces: true, tabSize: 2 } })); };
const wantPort = 9180;
if (!(await portIsFree(wantPort))) edit(['status', 'port'], 0);
edit(['dhcp', 'enabled'], false);
const dir = join(root, '.outpost', 'start');
mkdirSync(dir, { recursive: true });
// Phone files: the demo files of examples/files/ on free local ports (80 and 69 need root).
edit(['files', 'root'], join(root, 'examples', 'files'));
edit(['files', 'dataDir'], join(dir, 'files-data'));
edit(['files', 'http', 'listen'], [{ address: '127.0.0.1', port: 0 }]);
edit(['files', 'tftp', 'listen'], [{ address: '127.0.0.1', port: 0 }]);
const config = join(dir, 'site.jsonc');
writeFileSync(config, text);

console.log(`start: site daemon with ${example} (DHCP off: the example's VLAN interfaces are not on this machine)`);
const child = spawn(process.execPath, [join(root, 'dist', 'src', 'cli', 'main.js'), 'site', 'run', '--config', config], {
  cwd: root, stdio: ['ignore', 'pipe', 'inherit'],
});
let buffered = '';
let filesUrl;
let statusUrl;
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  buffered += chunk.toString();
  const status = buffered.match(/"code":"STATUS_LISTENING","url":"([^"]+)"/);
  if (status) statusUrl = status[1];
  const http = buffered.match(/"code":"FILES_HTTP_LISTENING".*?"port":(\d+)/);
  if (http) filesUrl = `http://127.0.0.1:${http[1]}/46xxsettings.txt`;
  if (/"code":"SITE_READY"/.test(buffered)) {
    buffered = '';
    console.log(`\nOutpost site daemon is running.\n  health:  ${statusUrl}/healthz\n  metrics: ${statusUrl}/metrics\n  files:   ${filesUrl ?? `${statusUrl}/files`}\nPress Ctrl-C to stop.\n`);
  } else if (buffered.length > 1 << 16) buffered = buffered.slice(-4096);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
