// `outpost failover` against a real `outpost site run` on loopback: a hot-standby
// primary whose partner is not running (its port refuses), so it goes startup →
// partner-down within startupWait. The status view, the command routes' bearer token
// (control.token in the lease directory), the commands, and the token's lifetime.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outpostBin } from '../support/paths.js';
import { freeTcpPort, freeUdpPort } from '../support/ports.js';
import { startChild, type Child } from '../support/child.js';

const dir = mkdtempSync(join(tmpdir(), 'outpost-failover-cli-'));
const REL = 'branch-7';
const tokenPath = join(dir, 'leases', 'control.token');
let daemon: Child;
let url: string;
let configPath: string;

/**
 * The real command, stdin an empty pipe (never a terminal). Asynchronous: a spawnSync
 * would stall this process's event loop, and with it the fetch client's view of its
 * kept-alive connections, which the daemon may close meanwhile.
 */
function outpost(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [outpostBin, ...args], { stdio: ['pipe', 'pipe', 'pipe'], timeout: 10_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.stdin.end();
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}

interface Relationship { name: string; state: string; partner: string; partnerState: string; connected: boolean; history: { from: string; to: string; cause: string }[] }
async function relationship(): Promise<Relationship> {
  const body = await (await fetch(`${url}/failover`)).json() as { relationships: Relationship[] };
  return body.relationships.find((r) => r.name === REL)!;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${daemon.stdout()}${daemon.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  const [statusPort, dhcpPort, listenPort, partnerPort] = [await freeTcpPort(), await freeUdpPort(), await freeTcpPort(), await freeTcpPort()];
  configPath = join(dir, 'site.json');
  writeFileSync(configPath, JSON.stringify({
    version: 1,
    site: { name: 'lab-site' },
    server: { name: 'dhcp-a' },
    status: { listen: '127.0.0.1', port: statusPort },
    dhcp: {
      port: dhcpPort,
      leaseDir: 'leases',
      interfaces: [{ name: 'lo', address: '127.0.0.1' }],
      subnets: [{ id: 1, subnet: '192.0.2.0/24', pools: [{ start: '192.0.2.100', end: '192.0.2.199' }] }],
    },
    failover: {
      listen: { address: '127.0.0.1', port: listenPort },
      relationships: [{
        name: REL, mode: 'hot-standby', role: 'primary',
        partner: { name: 'dhcp-b', address: '127.0.0.1', port: partnerPort },
        key: randomBytes(32).toString('base64'),
        subnets: ['192.0.2.0/24'],
        startupWait: 1,
        confirm: { refused: true },
      }],
    },
  }, null, 2));
  daemon = startChild(process.execPath, [outpostBin, 'site', 'run', '--config', configPath]);
  await daemon.waitFor(/"code":"SITE_READY"/, 15_000);
  url = `http://127.0.0.1:${statusPort}`;
  await until('partner-down', async () => (await relationship()).state === 'partner-down');
});

after(() => {
  daemon?.kill();
  rmSync(dir, { recursive: true, force: true });
});

test('failover status prints the relationship, its state and the partner\'s, and the last transition', async () => {
  const [r, viaConfig] = await Promise.all([outpost('failover', 'status', '--url', url), outpost('failover', 'status', '--config', configPath)]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, /^RELATIONSHIP +MODE +ROLE +STATE +PARTNER +PARTNER-STATE +CONNECTED +LAST-CONTACT +UNSYNCED +IN-FLIGHT$/);
  assert.match(lines[1]!, /^branch-7 +hot-standby +primary +partner-down +dhcp-b +unknown +no +never +0 +0$/);
  assert.match(r.stdout, /branch-7 +\d{4}-\d\d-\d\dT[\d:.]+Z +startup → partner-down +dhcp-b's failover port refuses connections/);
  // --config finds the same daemon through the config's status port.
  assert.equal(viaConfig.status, 0, viaConfig.stderr);
  assert.match(viaConfig.stdout, /^branch-7 .*partner-down/m);
});

test('failover status --json prints the daemon\'s JSON', async () => {
  const r = await outpost('failover', 'status', '--url', url, '--json');
  assert.equal(r.status, 0, r.stderr);
  const body = JSON.parse(r.stdout) as { relationships: (Relationship & { lastContactAgeMs: number | null })[] };
  assert.equal(body.relationships.length, 1);
  assert.equal(body.relationships[0]!.name, REL);
  assert.equal(body.relationships[0]!.state, 'partner-down');
  assert.equal(body.relationships[0]!.lastContactAgeMs, null);
});

test('the control token is a fresh 0600 file of 64 hex digits in the lease directory', async () => {
  assert.equal(statSync(tokenPath).mode & 0o777, 0o600);
  assert.match(readFileSync(tokenPath, 'utf8'), /^[0-9a-f]{64}\n$/);
});

test('a command without the token, or with a wrong one, is 401 and logged without the token', async () => {
  const none = await fetch(`${url}/failover/${REL}/maintenance`, { method: 'POST' });
  assert.equal(none.status, 401);
  assert.match(((await none.json()) as { error: string }).error, /^unauthorized: no Authorization header/);
  const wrong = await fetch(`${url}/failover/${REL}/maintenance`, { method: 'POST', headers: { authorization: `Bearer ${'0'.repeat(64)}` } });
  assert.equal(wrong.status, 401);
  assert.match(((await wrong.json()) as { error: string }).error, /^unauthorized: wrong token/);
  const basic = await fetch(`${url}/failover/${REL}/maintenance`, { method: 'POST', headers: { authorization: 'Basic eDp5' } });
  assert.equal(basic.status, 401);
  assert.equal((await relationship()).state, 'partner-down');
  await daemon.waitFor(/"code":"STATUS_UNAUTHORIZED".*"reason":"wrong token"/);
  assert.ok(!daemon.stdout().includes(readFileSync(tokenPath, 'utf8').trim()), 'the token appears in the log');
});

test('methods: GET of a command route and POST of a read route are 405; an oversized body is 413', async () => {
  const get = await fetch(`${url}/failover/${REL}/maintenance`);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
  const post = await fetch(`${url}/failover`, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
  const token = readFileSync(tokenPath, 'utf8').trim();
  const big = await fetch(`${url}/failover/${REL}/maintenance`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(5000) }) });
  assert.equal(big.status, 413);
  const bad = await fetch(`${url}/failover/${REL}/maintenance`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: 'not json' });
  assert.equal(bad.status, 400);
  assert.equal((await relationship()).state, 'partner-down');
});

test('maintenance with --config reads the token, and status shows it; resume leaves it', async () => {
  const m = await outpost('failover', 'maintenance', REL, '--config', configPath);
  assert.equal(m.status, 0, m.stderr);
  assert.equal(m.stdout, `${REL}: partner-down → maintenance\n`);
  assert.equal((await relationship()).state, 'maintenance');
  const [s, again] = await Promise.all([outpost('failover', 'status', '--url', url), outpost('failover', 'maintenance', REL, '--url', url, '--token-file', tokenPath)]);
  assert.match(s.stdout, /^branch-7 +hot-standby +primary +maintenance /m);
  assert.match(s.stdout, /partner-down → maintenance +operator: maintenance/);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /^outpost failover maintenance: maintenance changes nothing in state maintenance/);
  const r = await outpost('failover', 'resume', REL, '--url', url, '--token-file', tokenPath);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${REL}: maintenance → interrupted\n`);
  // Out of contact and the partner's port still refuses: straight back to partner-down.
  await until('partner-down again', async () => (await relationship()).state === 'partner-down');
  assert.match(daemon.stdout(), /"code":"FAILOVER_COMMAND","relationship":"branch-7","command":"resume","from":"maintenance","to":"interrupted"/);
});

test('an unknown relationship is refused with the daemon\'s message (exit 1)', async () => {
  const r = await outpost('failover', 'maintenance', 'nope', '--config', configPath);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, 'outpost failover maintenance: no failover relationship "nope" on this server\n');
});

test('partner-down asks for confirmation: without a terminal and without --yes it refuses (exit 2)', async () => {
  // With --yes it is sent: already partner-down, so nothing changes (409, exit 1).
  const [r, yes] = await Promise.all([outpost('failover', 'partner-down', REL, '--config', configPath), outpost('failover', 'partner-down', REL, '--config', configPath, '--yes')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /stdin is not a terminal: pass --yes/);
  assert.equal(yes.status, 1);
  assert.match(yes.stderr, /partner-down changes nothing in state partner-down/);
});

test('partner-down at a terminal explains the risk, naming the partner, and sends only on yes', async () => {
  const { failoverCommand } = await import('../../src/cli/failover.js');
  const run = async (answer: string) => {
    let out = '';
    let err = '';
    const sink = (add: (s: string) => void) => new Writable({ write(chunk: Buffer, _enc, done) { add(chunk.toString()); done(); } });
    const code = await failoverCommand('partner-down', REL, { config: configPath }, { input: Readable.from([answer]), isTTY: true },
      sink((s) => { out += s; }), sink((s) => { err += s; }));
    return { code, out, err };
  };
  const no = await run('n\n');
  assert.equal(no.code, 1);
  assert.match(no.err, /^Only if dhcp-b is really down: .*both servers answer them\. Addresses stay unique .*never Outpost's rules 1–4.*at most MCLT/);
  assert.match(no.err, /Put branch-7 in partner-down\? \[y\/N\] /);
  assert.match(no.err, /not confirmed; nothing changed\n$/);
  const commands = () => daemon.stdout().split('\n').filter((l) => l.includes('"code":"FAILOVER_COMMAND"') && l.includes('"command":"partner-down"')).length;
  const before = commands();
  const yes = await run('y\n');
  // Sent: the daemon is already partner-down, so it answers 409 and logs the command.
  assert.equal(yes.code, 1);
  assert.match(yes.err, /partner-down changes nothing in state partner-down/);
  await until('the command logged', async () => commands() === before + 1);
});

test('usage errors exit 2: --url without --token-file, an unreadable token file', async () => {
  const [noToken, missing] = await Promise.all([outpost('failover', 'resume', REL, '--url', url), outpost('failover', 'resume', REL, '--url', url, '--token-file', join(dir, 'nope.token'))]);
  assert.equal(noToken.status, 2);
  assert.match(noToken.stderr, /with --url give --token-file FILE/);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read the control token .*nope\.token: ENOENT/);
});

test('the token file is removed when the daemon stops on SIGTERM; an old token is useless after', async () => {
  assert.ok(existsSync(tokenPath));
  daemon.proc.kill('SIGTERM');
  const { code } = await daemon.exit(5000);
  assert.equal(code, 0);
  assert.equal(existsSync(tokenPath), false);
  const r = await outpost('failover', 'resume', REL, '--config', configPath);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /ENOENT \(the daemon writes it at start/);
});

test('a keyFile whose contents are not strict base64 of ≥ 32 bytes stops the daemon at start (the failover service fails), never quoting it', async () => {
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as { failover: { relationships: Record<string, unknown>[] }; status: { port: number }; dhcp: { leaseDir: string } };
  const secret = 'not base64!! but Buffer.from would take it ' + 'A'.repeat(60);
  writeFileSync(join(dir, 'bad.key'), secret + '\n');
  const rel = config.failover.relationships[0]!;
  delete rel.key;
  rel.keyFile = 'bad.key';
  config.status.port = 0;
  config.dhcp.leaseDir = 'leases-bad-key';
  const path = join(dir, 'bad-key.json');
  writeFileSync(path, JSON.stringify(config));
  const child = startChild(process.execPath, [outpostBin, 'site', 'run', '--config', path]);
  const exit = await child.exit(15_000);
  const out = child.stdout() + child.stderr();
  assert.notEqual(exit.code, 0);
  assert.match(out, /"code":"SITE_SERVICE_FAILED","service":"failover","err":"relationship branch-7: the key in bad\.key is not valid base64/);
  assert.ok(!out.includes('not base64!!'), 'the key file\'s contents are never logged');
});
