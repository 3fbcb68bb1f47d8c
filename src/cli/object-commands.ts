// The CLI of the service objects (docs/api.md "CLI"): for every kind in the catalogue,
// `outpost <kind> list|get|create|update|delete`, a client of the same generated routes.
// Fields are given httpie-style: `name=value` for text, `name:=json` for numbers, booleans,
// arrays and objects; a dotted name sets a field inside an object (`options.routers:=["192.0.2.1"]`).
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { OBJECT_KINDS } from '../manager/objects/catalogue.js';
import { CliFailure, call, listAll, print, run, withConnection, type Row } from './manager-client.js';
import { withProgress } from './progress.js';
import { EXIT_USAGE } from './status-target.js';

/** `a.b=text` and `a.b:=json` assignments as one object. */
export function parseAssignments(args: readonly string[]): Row {
  const out: Row = {};
  for (const arg of args) {
    const m = /^([A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*)(:?=)(.*)$/s.exec(arg);
    if (!m) throw new CliFailure(`${arg}: give field=text or field:=json, e.g. name=branch-07-a or roles:='["dhcp"]'`, EXIT_USAGE);
    let value: unknown = m[3];
    if (m[2] === ':=') {
      try {
        value = JSON.parse(m[3]!);
      } catch {
        throw new CliFailure(`${m[1]}: ${m[3]} is not JSON`, EXIT_USAGE);
      }
    }
    const path = m[1]!.split('.');
    let at = out;
    for (const key of path.slice(0, -1)) at = (at[key] ??= {}) as Row;
    at[path.at(-1)!] = value;
  }
  return out;
}

async function bodyOf(fields: readonly string[], file: string | undefined): Promise<Row> {
  const base = file ? JSON.parse(await readFile(file, 'utf8')) as Row : {};
  return { ...base, ...parseAssignments(fields) };
}

const versionHeader = (o: { ifVersion?: string }): Record<string, string> => (o.ifVersion ? { 'if-match': `"${o.ifVersion}"` } : {});

export function addObjectCommands(program: Command): void {
  for (const def of OBJECT_KINDS) {
    const columns = ['id', ...Object.keys(def.columns), ...('description' in def.schema.properties ? ['description'] : [])];
    const kind = program.command(def.path).description(`${def.type}s of the manager`);
    let list = withProgress(withConnection(kind.command('list').description(`list ${def.type}s`)).option('--limit <n>', 'at most this many rows'));
    for (const f of def.filters ?? []) list = list.option(`--${f.replace(/([A-Z])/g, '-$1').toLowerCase()} <value>`, `only those with this ${f}`);
    list.action(run(async (o: Record<string, string | undefined>) => {
      print(o, await listAll(o, `/${def.path}`, Object.fromEntries((def.filters ?? []).map((f) => [f, o[f]]))), columns);
    }));
    withConnection(kind.command('get').description(`show a ${def.type} (all of it with --json)`).argument('<id>'))
      .action(run(async (id: string, o) => print(o, await call(o, 'GET', `/${def.path}/${id}`), columns)));
    withConnection(kind.command('create').description(`create a ${def.type}: field=text or field:=json ...`).argument('[fields...]').option('--file <json>', 'start from this JSON document'))
      .action(run(async (fields: string[], o) => print(o, await call(o, 'POST', `/${def.path}`, await bodyOf(fields, o.file)), columns)));
    withConnection(kind.command('update').description(`change a ${def.type} (a merge patch; field:=null removes)`).argument('<id>').argument('[fields...]')
      .option('--file <json>', 'a JSON merge patch').option('--if-version <n>', 'refuse when it changed since this version'))
      .action(run(async (id: string, fields: string[], o) => print(o, await call(o, 'PATCH', `/${def.path}/${id}`, await bodyOf(fields, o.file), versionHeader(o)), columns)));
    withConnection(kind.command('delete').description(`delete a ${def.type}`).argument('<id>').option('--if-version <n>', 'refuse when it changed since this version'))
      .action(run(async (id: string, o) => {
        await call(o, 'DELETE', `/${def.path}/${id}`, undefined, versionHeader(o));
        if (!o.json) process.stdout.write(`${def.type} ${id} deleted\n`);
      }));
  }
}

interface PlanAnswer {
  servers: { serverId: number; server: string; site: string; changed: boolean; deployedHash: string | null; hash: string;
    changes: { op: string; path: string; before?: unknown; after?: unknown }[]; fileChanges: { op: string; path: string }[];
    problems: { path: string; reason: string }[]; warnings: { path: string; reason: string }[] }[];
}

const SIGN: Readonly<Record<string, string>> = { add: '+', remove: '-', change: '~' };
const brief = (v: unknown): string => {
  const text = JSON.stringify(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

/** `outpost render` and `outpost plan`: a server's site config, and what would change per server. */
export function addRenderCommands(program: Command): void {
  withConnection(program.command('render').description('render a server\'s site config (what the manager would send it)').argument('<server-id>')
    .option('--secrets', 'include failover keys and TSIG secrets (admin)').option('--output <file>', 'write the config to this file (0600) instead of standard output'))
    .action(run(async (id: string, o) => {
      const r = await call(o, 'GET', `/servers/${id}/config${o.secrets ? '?secrets=true' : ''}`);
      const problems = r.problems as { path: string; reason: string }[];
      for (const p of problems) process.stderr.write(`${p.path}: ${p.reason}\n`);
      const text = JSON.stringify(o.json ? r : r.config, null, 2) + '\n';
      if (o.output) await writeFile(o.output, text, { mode: 0o600 });
      else process.stdout.write(text);
      if (problems.length > 0) throw new CliFailure(`server ${id}: the config is not valid (${problems.length} problem${problems.length === 1 ? '' : 's'} above)`, EXIT_USAGE);
    }));
  withConnection(program.command('plan').description('what each server\'s config would change against the one it was last given').option('--site <id>').option('--server <id>'))
    .action(run(async (o) => {
      const q = new URLSearchParams({ ...(o.site ? { siteId: o.site } : {}), ...(o.server ? { serverId: o.server } : {}) });
      const plan = await call(o, 'GET', `/plan?${q}`) as unknown as PlanAnswer;
      if (o.json) return print(o, plan as unknown as Row, []);
      for (const s of plan.servers) {
        const state = s.problems.length > 0 ? 'INVALID' : !s.changed ? 'unchanged' : s.deployedHash === null ? 'new' : `${s.changes.length + s.fileChanges.length} change(s)`;
        process.stdout.write(`server ${s.server} (site ${s.site}): ${state}  ${s.hash}\n`);
        for (const c of s.changes) process.stdout.write(`  ${SIGN[c.op]} ${c.path}${c.op === 'change' ? `: ${brief(c.before)} -> ${brief(c.after)}` : c.op === 'add' ? ` = ${brief(c.after)}` : ''}\n`);
        for (const f of s.fileChanges) process.stdout.write(`  ${SIGN[f.op]} file ${f.path}\n`);
        for (const p of s.problems) process.stdout.write(`  ! ${p.path}: ${p.reason}\n`);
        for (const w of s.warnings) process.stdout.write(`  ? ${w.path}: ${w.reason}\n`);
      }
    }));
  withConnection(program.command('deployed').description('record that a server now runs the rendered config with this hash').argument('<server-id>').requiredOption('--hash <hash>', 'the hash plan or render showed'))
    .action(run(async (id: string, o) => print(o, await call(o, 'POST', `/servers/${id}/deployed`, { hash: o.hash }), ['serverId', 'hash', 'deployedAt'])));
}
