// `npm start`: installs and builds as needed, then runs the main job on the embedded
// default: the manager on SQLite with the demo dataset (a fresh one each start, so its
// first-login credentials are printed) and, beside it, the site daemon with the
// single-site example — all on unprivileged local ports.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

const cli = join(root, 'dist', 'src', 'cli', 'main.js');
const managerDir = join(dir, 'manager');
rmSync(managerDir, { recursive: true, force: true }); // a fresh demo each start
const managerPort = (await portIsFree(8440)) ? 8440 : 0;
console.log(`start: manager with the demo dataset in ${managerDir}; site daemon with ${example} (DHCP off: the example's VLAN interfaces are not on this machine)`);
const manager = spawn(process.execPath, [cli, 'manager', 'run', '--demo', '--data-dir', managerDir, '--port', String(managerPort)], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
const site = spawn(process.execPath, [cli, 'site', 'run', '--config', config], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });

let managerUrl;
let credentials;
let siteReady;
let filesUrl;
let statusUrl;
const announce = () => {
  if (!managerUrl || !credentials || !siteReady) return;
  console.log(`
Outpost is running.
  manager API: ${managerUrl}   (OpenAPI: ${managerUrl}/openapi.json)
  first login: ${credentials}
  admin token: ${join(managerDir, 'admin.token')}
  site daemon: ${statusUrl}/healthz   metrics: ${statusUrl}/metrics
  phone files: ${filesUrl ?? `${statusUrl}/files`}
Press Ctrl-C to stop.
`);
};
let managerOut = '';
manager.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  managerOut += chunk.toString();
  managerUrl ??= managerOut.match(/^Outpost manager: (\S+) /m)?.[1];
  const login = managerOut.match(/^First start: user (\S+), password (\S+) /m);
  if (login && !credentials) { credentials = `user ${login[1]}, password ${login[2]}`; announce(); }
});
let buffered = '';
site.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  buffered += chunk.toString();
  const status = buffered.match(/"code":"STATUS_LISTENING","url":"([^"]+)"/);
  if (status) statusUrl = status[1];
  const http = buffered.match(/"code":"FILES_HTTP_LISTENING".*?"port":(\d+)/);
  if (http) filesUrl = `http://127.0.0.1:${http[1]}/46xxsettings.txt`;
  if (/"code":"SITE_READY"/.test(buffered)) {
    buffered = '';
    siteReady = true;
    announce();
  } else if (buffered.length > 1 << 16) buffered = buffered.slice(-4096);
});
const children = [manager, site];
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => { for (const c of children) c.kill(signal); });
// Either one ending ends the demo; the exit status is the worse of the two.
let worst = 0;
let exited = 0;
for (const c of children) {
  c.on('exit', (code, signal) => {
    worst = Math.max(worst, code ?? (signal ? 0 : 1));
    if (++exited === 1) for (const other of children) if (other !== c) other.kill('SIGTERM');
    if (exited === children.length) process.exit(worst);
  });
}
