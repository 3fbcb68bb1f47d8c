// manager-scale (issue 7's acceptance, the brief's manager targets): a real PostgreSQL
// server and the real `outpost manager run` on it, driven over the REST API on loopback
// only. It loads 100k subnets (one CSV import, measured) and 1M addresses (CSV imports of
// 100k rows, each measured), then measures list pages deep in the 100k subnets, next-free
// subnet and next-free address in a 90%-full /8, next-free address in a mostly-full /16, and the render of a
// server whose site has 5k subnets with DHCP scopes and pools. Every figure is a
// measurement through the API (docs/benchmarks.md "manager-scale").
//
// Addresses: no IPv4 documentation or benchmark block is as large as a /8, and the lab
// rules allow no other, not even as data. The "/8" is therefore 2001:db8::/104 — inside
// IPv6's documentation prefix, with exactly a /8's 2^24 addresses, stored and searched by
// the same hex keys and code as IPv4. An IPv4 length L there is L + 96 (a /16 is a /112,
// a /24 a /120), and the /8's a.b.c is its low 24 bits. The render site's subnets are in
// 198.18.0.0/15 (DHCP scopes are IPv4), the server addresses in 192.0.2.0/24.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild } from '../test/support/child.js';
import { outpostBin } from '../test/support/paths.js';
import { postgresBin, startPostgres } from '../test/support/postgres-server.js';
import { onCleanup } from './cleanup.js';
import type { Output } from './harness.js';
import type { TargetBenchmark, TargetFigure } from './targets.js';
import { formatAddress } from '../src/protocol/ipam/address.js';

/** The full dataset; --scale f loads a fraction of it (the /8 stays 90% full). */
const FULL = { addresses: 1_000_000, renderSubnets: 5000, subnets: 100_000 } as const;
const IMPORT_ROWS = 100_000;
const TARGETS = { pageMs: 100, nextFreeMs: 50, renderS: 1, importS: 30 } as const;
const SAMPLES = { pages: 500, nextFree: 200, renders: 10, warmUp: 20 } as const;
/** 2001:db8::/104 and its low 24 bits a.b.c, as an IPv4 /8's a.b.c (see the head of this file). */
const V6_BASE = 0x20010db8n << 96n;
const at = (a: number, b = 0, c = 0) => formatAddress(6, V6_BASE + BigInt((a << 16) | (b << 8) | c));
/** An IPv4-sized prefix of the /8: length 8 is /104, 16 is /112, 24 is /120, 26 is /122. */
const block = (length: number, a = 0, b = 0, c = 0) => `${at(a, b, c)}/${length + 96}`;
const SLASH8 = block(8);

/** Address "/16s" under the /8 (a = 0 … 15): 62 500 addresses each at full scale. */
const ADDRESS_SUBNETS = 16;
/** /24s of a /16 left free: every tenth (…3, …13, …): 230 of 256 taken. */
const freeSlot = (i: number) => i % 10 === 3;
/** Offsets of an address /16 left free: every 25th (the rest of the first 62 500 are taken). */
const freeOffset = (o: number) => o % 25 === 0;

function p99(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]!;
}
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
const round = (v: number, digits = 1) => Number(v.toFixed(digits));

interface Api {
  (method: string, path: string, body?: unknown, contentType?: string): Promise<{ status: number; body: any; ms: number }>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function apiClient(base: string, token: string): Api {
  return async (method, path, body, contentType) => {
    const started = performance.now();
    const res = await fetch(`${base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': contentType ?? 'application/json' } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    const ms = performance.now() - started;
    return { status: res.status, body: text ? JSON.parse(text) : undefined, ms };
  };
}

async function must(api: Api, method: string, path: string, body?: unknown, contentType?: string) {
  const r = await api(method, path, body, contentType);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
  return r;
}

/** Runs `fn` over `items` with `n` requests in flight. */
async function pool<T>(items: readonly T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

/** The subnets' CSV, parents first, and what the measurements need to know about it. */
function subnetPlan(scale: number) {
  const lines = ['prefix,site,description', `${SLASH8},,the 90%-full /8`];
  for (let k = 0; k < ADDRESS_SUBNETS; k++) lines.push(`${block(16, k)},,addresses ${k}`);
  // /16s 16…255: the first `split` cut into /24s (230 of 256 taken), the rest taken whole (but every tenth).
  const split = Math.max(1, Math.round(240 * scale));
  const slash24: [number, number][] = [];
  for (let k = ADDRESS_SUBNETS; k < 256; k++) {
    if (k < ADDRESS_SUBNETS + split) {
      for (let j = 0; j < 256; j++) if (!freeSlot(j)) slash24.push([k, j]);
    } else if (!freeSlot(k)) {
      lines.push(`${block(16, k)},,`);
    }
  }
  for (const [k, j] of slash24) lines.push(`${block(24, k, j)},,`);
  const renderSubnets = Math.max(10, Math.round(FULL.renderSubnets * scale));
  const fixed = lines.length - 1 + 1 + renderSubnets; // the rows so far (the /24s among them), the /15 and its /28s
  // /26s: four in each of the first /24s, enough to make the total reach the full count.
  const target = Math.round(FULL.subnets * scale);
  const quads = Math.min(slash24.length, Math.max(1, Math.ceil((target - fixed) / 4)));
  for (let i = 0; i < quads; i++) for (let q = 0; q < 4; q++) lines.push(`${block(26, slash24[i]![0], slash24[i]![1], q * 64)},,`);
  lines.push('198.18.0.0/15,render,the render site');
  for (let i = 0; i < renderSubnets; i++) {
    const v = (198 << 24 >>> 0) + (18 << 16) + i * 16;
    lines.push(`${v >>> 24}.${(v >> 16) & 255}.${(v >> 8) & 255}.${v & 255}/28,render,`);
  }
  const slashes8 = lines.filter((l) => l.startsWith('2001:db8:'));
  let full = 0;
  for (const l of slashes8) {
    const len = Number(l.split(',')[0]!.split('/')[1]) - 96;
    if (len === 16 || len === 24) full += 2 ** (32 - len);
  }
  return { csv: lines.join('\n') + '\n', rows: lines.length - 1, renderSubnets, fullness: full / 2 ** 24, split, slash8Children: slashes8.filter((l) => !l.startsWith(`${SLASH8},`) && !l.includes('/122')).length };
}

/** The addresses, `perImport` rows per CSV: the address "/16s" filled in order, every 25th offset left free. */
function* addressCsvs(total: number, perImport: number): Generator<{ csv: string; rows: number }> {
  const perSubnet = Math.ceil(total / ADDRESS_SUBNETS);
  let made = 0;
  let lines: string[] = ['address,kind,hostname'];
  for (let k = 0; k < ADDRESS_SUBNETS && made < total; k++) {
    let inSubnet = 0;
    for (let o = 1; o < 65535 && inSubnet < perSubnet && made < total; o++) {
      if (freeOffset(o)) continue;
      lines.push(`${at(k, o >> 8, o & 255)},static,h${made}`);
      inSubnet++;
      made++;
      if (lines.length - 1 === perImport) {
        yield { csv: lines.join('\n') + '\n', rows: perImport };
        lines = ['address,kind,hostname'];
      }
    }
  }
  if (lines.length > 1) yield { csv: lines.join('\n') + '\n', rows: lines.length - 1 };
}

async function startStack(io: Output): Promise<{ api: Api; setup: Record<string, unknown> }> {
  io.out('  starting PostgreSQL …');
  const pg = await startPostgres();
  onCleanup('PostgreSQL', () => pg.stop());
  const database = pg.createDatabase('outpost_scale');
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-manager-scale-'));
  onCleanup(`manager dir ${dir}`, () => rmSync(dir, { recursive: true, force: true }));
  const child = startChild(process.execPath, [outpostBin, 'manager', 'run', '--data-dir', dir, '--listen', '127.0.0.1', '--port', '0', '--database', database]);
  onCleanup('manager', async () => {
    child.proc.kill('SIGTERM');
    // Bounded well inside the harness's 15 s for all cleanup: PostgreSQL's stop comes after.
    await child.exit(5_000).catch(() => child.kill());
  });
  const url = (await child.waitFor(/^Outpost manager: (\S+)\/api\/v1 /m, 60_000))[1]!;
  await child.waitFor(/^Admin API token written to /m);
  const token = readFileSync(join(dir, 'admin.token'), 'utf8').trim();
  io.out(`  manager at ${url} on PostgreSQL (port ${pg.port}), pid ${child.proc.pid}`);
  return { api: apiClient(url, token), setup: { manager: url, postgresPort: pg.port, postgresBin: postgresBin() } };
}

export const managerScale: TargetBenchmark = {
  kind: 'targets',
  name: 'manager-scale',
  title: 'the manager on PostgreSQL with 100k subnets and 1M addresses, over its REST API: list pages, next-free, render, CSV imports',
  programs: () => [{ name: 'postgres', args: ['--version'], debianPackage: 'postgresql-15' }],
  async unavailable() {
    return postgresBin() ? undefined : 'manager-scale needs a PostgreSQL server (Debian package postgresql)';
  },
  async measure(options, io) {
    const scale = options.scale ?? 1;
    const { api, setup } = await startStack(io);
    const figures: TargetFigure[] = [];
    const space = (await must(api, 'POST', '/ip-spaces', { name: 'scale' })).body;
    const site = (await must(api, 'POST', '/sites', { name: 'render' })).body;

    // 1. The subnets: one CSV import of every subnet.
    const plan = subnetPlan(scale);
    io.out(`  importing ${plan.rows} subnets (one CSV, ${(plan.csv.length / 1e6).toFixed(1)} MB; the /8 ${(plan.fullness * 100).toFixed(1)} % full) …`);
    const subnetImport = await must(api, 'POST', `/import/subnets?spaceId=${space.id}`, plan.csv, 'text/csv');
    if (subnetImport.body.created !== plan.rows) throw new Error(`subnet import created ${subnetImport.body.created} of ${plan.rows}`);
    io.out(`    ${(subnetImport.ms / 1000).toFixed(2)} s`);

    // 2. The addresses: CSV imports of 100k rows (fewer when scaled down).
    const totalAddresses = Math.round(FULL.addresses * scale);
    const perImport = Math.min(IMPORT_ROWS, totalAddresses);
    const addressImports: { rows: number; seconds: number }[] = [];
    for (const file of addressCsvs(totalAddresses, perImport)) {
      const r = await must(api, 'POST', `/import/addresses?spaceId=${space.id}`, file.csv, 'text/csv');
      if (r.body.created !== file.rows) throw new Error(`address import created ${r.body.created} of ${file.rows}`);
      addressImports.push({ rows: file.rows, seconds: round(r.ms / 1000, 2) });
      io.out(`  address import ${addressImports.length}: ${file.rows} rows in ${(r.ms / 1000).toFixed(2)} s`);
    }

    // Ids the measurements use.
    const find = async (prefix: string) => (await must(api, 'GET', `/subnets?spaceId=${space.id}&within=${prefix}&limit=10`)).body.items.find((s: { prefix: string }) => s.prefix === prefix);
    const slash8 = await find(SLASH8);
    const lastAddressSubnet = await find(block(16, ADDRESS_SUBNETS - 1));
    const renderIds: number[] = [];
    for (let after = 0; ;) {
      const page = (await must(api, 'GET', `/subnets?spaceId=${space.id}&within=198.18.0.0/15&limit=1000&after=${after}`)).body;
      for (const s of page.items) if (s.prefix.endsWith('/28')) renderIds.push(s.id);
      if (page.next === null) break;
      after = page.next;
    }
    const firstPage = (await must(api, 'GET', `/subnets?spaceId=${space.id}&limit=1`)).body.items[0].id as number;
    const maxId = firstPage + plan.rows; // ids are handed out in file order

    // 3. The render site: one DHCP server, a scope and a pool in each of its /28s.
    io.out(`  render site: ${renderIds.length} DHCP scopes with pools …`);
    const server = (await must(api, 'POST', '/servers', { siteId: site.id, name: 'render-a', address: '192.0.2.10', roles: ['dhcp'], dhcpInterfaces: [{ name: 'eth0' }] })).body;
    const subnets = new Map<number, string>();
    for (let after = 0; ;) {
      const page = (await must(api, 'GET', `/subnets?spaceId=${space.id}&within=198.18.0.0/15&limit=1000&after=${after}`)).body;
      for (const s of page.items) subnets.set(s.id, s.prefix);
      if (page.next === null) break;
      after = page.next;
    }
    await pool(renderIds, 8, async (id) => {
      const base = subnets.get(id)!.split('/')[0]!.split('.').map(Number);
      const at = (n: number) => `${base[0]}.${base[1]}.${base[2]}.${base[3]! + n}`;
      await must(api, 'POST', '/dhcp-scopes', { subnetId: id, serverId: server.id, relayAddresses: [at(1)] });
      await must(api, 'POST', `/subnets/${id}/ranges`, { kind: 'pool', start: at(4), end: at(14) });
    });

    // Warm-up (not measured): the manager's and PostgreSQL's first queries of each kind.
    for (let i = 0; i < SAMPLES.warmUp; i++) {
      await must(api, 'GET', `/subnets?spaceId=${space.id}&after=${firstPage + i * 997}&limit=100`);
      await must(api, 'GET', `/subnets?spaceId=${space.id}&parentId=${slash8.id}&after=${firstPage + i * 997}&limit=100`);
    }

    // 4. List pages: deep keyset pages of 100, plain, by parent and within a /16.
    const pageMs: Record<string, number[]> = { plain: [], parent: [], within: [] };
    let seed = 1;
    const random = () => (seed = (seed * 48271) % 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < SAMPLES.pages; i++) {
      const kind = i % 5 < 3 ? 'plain' : i % 5 === 3 ? 'parent' : 'within';
      // Ids follow the file: the /8's children are its first rows after the /8 itself.
      const after = firstPage + Math.floor(random() * (kind === 'parent' ? plan.slash8Children - 100 : maxId - firstPage));
      const filter = kind === 'plain' ? '' : kind === 'parent' ? `&parentId=${slash8.id}` : `&within=${block(16, ADDRESS_SUBNETS + Math.floor(random() * Math.min(16, plan.split)))}`;
      const r = await must(api, 'GET', `/subnets?spaceId=${space.id}${filter}&after=${kind === 'within' ? 0 : after}&limit=100`);
      if (r.body.items.length === 0 && kind !== 'plain') throw new Error(`an empty ${kind} page`);
      pageMs[kind]!.push(r.ms);
    }
    const allPages = Object.values(pageMs).flat();

    // 5. Next-free subnet (/24) in the 90%-full /8.
    const nextSubnet: number[] = [];
    for (let i = 0; i < SAMPLES.nextFree; i++) nextSubnet.push((await must(api, 'POST', `/subnets/${slash8.id}/next-free-subnet`, { length: 24 + 96 })).ms);

    // 6. Next-free address in the last address /16 (its addresses ~95 % of it).
    const nextAddress: number[] = [];
    for (let i = 0; i < SAMPLES.nextFree; i++) nextAddress.push((await must(api, 'POST', `/subnets/${lastAddressSubnet.id}/next-free-address`, { kind: 'static' })).ms);

    // 6b. Next-free address in the /8 itself (the brief's "next-free address in a /8"): the lowest usable address no child holds.
    const nextAddress8: number[] = [];
    for (let i = 0; i < SAMPLES.nextFree; i++) nextAddress8.push((await must(api, 'POST', `/subnets/${slash8.id}/next-free-address`, { kind: 'static' })).ms);

    // 7. Render the server of the site with the 5k subnets.
    await must(api, 'GET', `/servers/${server.id}/config`); // warm-up, not measured
    const renders: number[] = [];
    let rendered: { problems: unknown[]; subnets: number; bytes: number } | undefined;
    for (let i = 0; i < SAMPLES.renders; i++) {
      const r = await must(api, 'GET', `/servers/${server.id}/config`);
      renders.push(r.ms / 1000);
      rendered = { problems: r.body.problems, subnets: (r.body.config.dhcp?.subnets ?? []).length, bytes: JSON.stringify(r.body).length };
    }
    if (rendered!.subnets !== renderIds.length) throw new Error(`the rendered config has ${rendered!.subnets} subnets, not ${renderIds.length}`);

    const fullImports = addressImports.filter((a) => a.rows === perImport).map((a) => a.seconds);
    figures.push(
      { name: 'manager-scale-subnet-import', value: round(subnetImport.ms / 1000, 2), target: TARGETS.importS, unit: 's', note: `${plan.rows} subnet rows, one CSV import`, details: { rows: plan.rows } },
      { name: 'manager-scale-address-import', value: round(median(fullImports), 2), target: TARGETS.importS, unit: 's', note: `median of ${fullImports.length} imports of ${perImport} address rows (${totalAddresses} in all), ${Math.min(...fullImports).toFixed(2)}–${Math.max(...fullImports).toFixed(2)} s`, details: { imports: addressImports } },
      { name: 'manager-scale-next-free-subnet-p99', value: round(p99(nextSubnet)), target: TARGETS.nextFreeMs, unit: 'ms', note: `${SAMPLES.nextFree} next-free /24 in the ${(plan.fullness * 100).toFixed(1)} %-full /8, median ${median(nextSubnet).toFixed(1)} ms`, details: { ms: nextSubnet.map((v) => round(v, 2)) } },
      { name: 'manager-scale-next-free-address-p99', value: round(p99(nextAddress)), target: TARGETS.nextFreeMs, unit: 'ms', note: `${SAMPLES.nextFree} next-free addresses in a /16 holding ${Math.ceil(totalAddresses / ADDRESS_SUBNETS)} addresses, median ${median(nextAddress).toFixed(1)} ms`, details: { ms: nextAddress.map((v) => round(v, 2)) } },
      { name: 'manager-scale-next-free-address-slash8-p99', value: round(p99(nextAddress8)), target: TARGETS.nextFreeMs, unit: 'ms', note: `${SAMPLES.nextFree} next-free addresses in the ${(plan.fullness * 100).toFixed(1)} %-full /8 (outside its child subnets), median ${median(nextAddress8).toFixed(1)} ms`, details: { ms: nextAddress8.map((v) => round(v, 2)) } },
      { name: 'manager-scale-render', value: round(p99(renders), 3), target: TARGETS.renderS, unit: 's', note: `${SAMPLES.renders} renders of a server with ${rendered!.subnets} scopes (${(rendered!.bytes / 1e6).toFixed(1)} MB), median ${median(renders).toFixed(3)} s, ${rendered!.problems.length} problems`, details: { seconds: renders.map((v) => round(v, 3)), problems: rendered!.problems.slice(0, 5) } },
      { name: 'manager-scale-page-p99', value: round(p99(allPages)), target: TARGETS.pageMs, unit: 'ms', note: `${allPages.length} pages of 100 among ${plan.rows} subnets, median ${median(allPages).toFixed(1)} ms; p99 plain ${p99(pageMs.plain!).toFixed(1)}, by parent ${p99(pageMs.parent!).toFixed(1)}, within ${p99(pageMs.within!).toFixed(1)}`, details: Object.fromEntries(Object.entries(pageMs).map(([k, v]) => [k, { p99: round(p99(v), 2), median: round(median(v), 2), n: v.length }])) },
    );
    return { figures, setup: { ...setup, loadAverageAtEnd: loadavg()[0], scale, subnets: plan.rows, addresses: totalAddresses, renderSubnets: renderIds.length, slash8Fullness: plan.fullness, samples: SAMPLES } };
  },
};
