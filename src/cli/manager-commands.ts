// The manager's CLI (docs/api.md "CLI"): `outpost spaces|sites|subnets|addresses|ranges|
// users|tokens|audit …`, each a client of the REST API. The manager is --manager URL (or
// OUTPOST_MANAGER), the credential --token-file FILE (or OUTPOST_TOKEN); tables by
// default, the API's JSON with --json. An API error is printed with its code, object and
// field, and the exit status says what kind it was.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { EXIT_USAGE } from './status-target.js';
import { CliFailure, answer, call, download, listAll, print, run, send, upload, withConnection, type Connection, type Row } from './manager-client.js';
import { withProgress } from './progress.js';

/** An import's report: every row in error, then the counts; a refused import is a failure. */
function printReport(o: Connection, report: Row): void {
  if (o.json) print(o, report, []);
  else {
    const errors = report.errors as { line: number; code: string; message: string; field?: string }[];
    for (const e of errors) process.stdout.write(`line ${e.line}: ${e.code}: ${e.message}${e.field ? ` (field ${e.field})` : ''}\n`);
    process.stdout.write(`${String(report.rows)} rows: ${String(report.created)} ${report.applied ? 'created' : 'to create'}, ${String(report.unchanged)} unchanged, ${errors.length} in error; ${report.applied ? 'written' : report.dryRun ? 'dry run: nothing written' : 'nothing written'}\n`);
  }
  if (!report.dryRun && !report.applied) throw new CliFailure('the import was refused: fix the rows above', EXIT_USAGE);
}

/** The options given, without those left out. */
const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
const ifVersion = (o: { ifVersion?: string }): Record<string, string> => (o.ifVersion ? { 'if-match': `"${o.ifVersion}"` } : {});

const SUBNET = ['id', 'prefix', 'parentId', 'siteId', 'vlanId', 'description'] as const;
const ADDRESS = ['id', 'address', 'kind', 'mac', 'hostname', 'dnsName', 'subnetId', 'classes'] as const;
const RANGE = ['id', 'kind', 'start', 'end', 'classes', 'description'] as const;

/** An id option where "none" clears the reference (updates); absent: left alone. */
const idOrNone = (v: string | undefined): number | null | undefined => (v === undefined ? undefined : v === 'none' ? null : Number(v));

/**
 * --options (a JSON object, or @FILE holding one) and --classes (comma-separated names) of a
 * pool or reservation; "none" removes them (updates).
 */
async function dhcpExtras(o: { options?: string; classes?: string }): Promise<Row> {
  const out: Row = {};
  if (o.options === 'none') out.options = {};
  else if (o.options !== undefined) {
    const text = o.options.startsWith('@') ? await readFile(o.options.slice(1), 'utf8') : o.options;
    try {
      out.options = JSON.parse(text) as unknown;
    } catch {
      throw new CliFailure(`--options: ${o.options.startsWith('@') ? `${o.options.slice(1)} does not hold` : 'give'} a JSON object, e.g. '{"avaya":{"tftpServers":["192.0.2.10"]}}'`, EXIT_USAGE);
    }
  }
  if (o.classes !== undefined) out.classes = o.classes === 'none' ? [] : o.classes.split(',').map((c) => c.trim()).filter((c) => c !== '');
  return out;
}
const withExtras = (c: Command) => c.option('--options <json>', 'DHCP options as a JSON object, or @FILE ("none" removes them)').option('--classes <names>', 'client classes, comma-separated ("none" removes them)');

/** Adds the manager's commands to the program. */
export function addManagerCommands(program: Command): void {
  const list = (c: Command) => withProgress(withConnection(c).option('--limit <n>', 'at most this many rows'));

  const spaces = program.command('spaces').description('IP spaces (VRFs) of the manager');
  list(spaces.command('list').description('list IP spaces')).action(run(async (o) => print(o, await listAll(o, '/ip-spaces', {}), ['id', 'name', 'description'])));
  withConnection(spaces.command('create').description('create an IP space').argument('<name>').option('--description <text>'))
    .action(run(async (name: string, o) => print(o, await call(o, 'POST', '/ip-spaces', { name, ...(o.description ? { description: o.description } : {}) }), ['id', 'name', 'description'])));
  withConnection(spaces.command('update').description('rename an IP space or change its description').argument('<id>').option('--name <name>').option('--description <text>').option('--if-version <n>', 'refuse when it changed since this version'))
    .action(run(async (id: string, o) => print(o, await call(o, 'PATCH', `/ip-spaces/${id}`, defined({ name: o.name, description: o.description }), ifVersion(o)), ['id', 'name', 'description', 'version'])));
  withConnection(spaces.command('delete').description('delete an IP space that holds no subnets').argument('<id>').option('--if-version <n>', 'refuse when it changed since this version'))
    .action(run(async (id: string, o) => { await call(o, 'DELETE', `/ip-spaces/${id}`, undefined, ifVersion(o)); if (!o.json) process.stdout.write(`IP space ${id} deleted\n`); }));

  const sites = program.command('sites').description('sites of the manager');
  list(sites.command('list').description('list sites')).action(run(async (o) => print(o, await listAll(o, '/sites', {}), ['id', 'name', 'survivability', 'description'])));
  withConnection(sites.command('create').description('create a site').argument('<name>', 'a DNS label, e.g. branch-07')
    .option('--survivability <class>', 'survivable or dependent').option('--description <text>').option('--wan-notes <text>'))
    .action(run(async (name: string, o) => print(o, await call(o, 'POST', '/sites', {
      name, ...(o.survivability ? { survivability: o.survivability } : {}), ...(o.description ? { description: o.description } : {}), ...(o.wanNotes ? { wanNotes: o.wanNotes } : {}),
    }), ['id', 'name', 'survivability', 'description'])));
  withConnection(sites.command('update').description('change a site').argument('<id>').option('--name <name>')
    .option('--survivability <class>', 'survivable or dependent').option('--description <text>').option('--wan-notes <text>').option('--if-version <n>', 'refuse when it changed since this version'))
    .action(run(async (id: string, o) => print(o, await call(o, 'PATCH', `/sites/${id}`, defined({ name: o.name, survivability: o.survivability, description: o.description, wanNotes: o.wanNotes }), ifVersion(o)),
      ['id', 'name', 'survivability', 'description', 'version'])));
  withConnection(sites.command('delete').description('delete a site with nothing at it and no lease history').argument('<id>').option('--if-version <n>', 'refuse when it changed since this version'))
    .action(run(async (id: string, o) => { await call(o, 'DELETE', `/sites/${id}`, undefined, ifVersion(o)); if (!o.json) process.stdout.write(`site ${id} deleted\n`); }));

  const subnets = program.command('subnets').description('subnets of the manager');
  list(subnets.command('list').description('list subnets').option('--space <id>').option('--parent <id|none>').option('--site <id>').option('--vlan <id>')
    .option('--contains <address>').option('--within <prefix>'))
    .action(run(async (o) => print(o, await listAll(o, '/subnets', { spaceId: o.space, parentId: o.parent, siteId: o.site, vlanId: o.vlan, contains: o.contains, within: o.within }), SUBNET)));
  const placed = (o: { site?: string; vlan?: string; description?: string }) => defined({ siteId: idOrNone(o.site), vlanId: idOrNone(o.vlan), description: o.description });
  withConnection(subnets.command('create').description('create a subnet (placed in the tree of its IP space)').argument('<prefix>')
    .requiredOption('--space <id>').option('--site <id>').option('--vlan <id>').option('--description <text>'))
    .action(run(async (prefix: string, o) => print(o, await call(o, 'POST', '/subnets', { spaceId: Number(o.space), prefix, ...placed(o) }), SUBNET)));
  withConnection(subnets.command('next-free').description('allocate the first free /length inside a subnet').argument('<parent-id>')
    .requiredOption('--length <n>').option('--site <id>').option('--vlan <id>').option('--description <text>').option('--idempotency-key <key>'))
    .action(run(async (parent: string, o) => print(o, await call(o, 'POST', `/subnets/${parent}/next-free-subnet`, { length: Number(o.length), ...placed(o) },
      o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {}), SUBNET)));
  withConnection(subnets.command('update').description('change a subnet\'s site, VLAN or description').argument('<id>')
    .option('--site <id|none>').option('--vlan <id|none>').option('--description <text>').option('--if-version <n>', 'refuse when it changed since this version'))
    .action(run(async (id: string, o) => print(o, await call(o, 'PATCH', `/subnets/${id}`, placed(o), ifVersion(o)), [...SUBNET, 'version'])));
  withConnection(subnets.command('delete').description('delete a subnet that holds no addresses or ranges').argument('<id>').option('--if-version <n>', 'refuse when it changed since this version'))
    .action(run(async (id: string, o) => { await call(o, 'DELETE', `/subnets/${id}`, undefined, ifVersion(o)); if (!o.json) process.stdout.write(`subnet ${id} deleted\n`); }));

  const ranges = program.command('ranges').description('pools and exclusions of a subnet');
  list(ranges.command('list').description('list a subnet\'s ranges').argument('<subnet-id>'))
    .action(run(async (subnet: string, o) => print(o, await listAll(o, `/subnets/${subnet}/ranges`, {}), RANGE)));
  withConnection(ranges.command('get').description('show a range (its options with --json)').argument('<id>'))
    .action(run(async (id: string, o) => print(o, await call(o, 'GET', `/ranges/${id}`), RANGE)));
  withConnection(withExtras(ranges.command('create').description('add a pool (with its own options and classes) or an exclusion').argument('<subnet-id>').argument('<kind>', 'pool or exclusion')
    .argument('<start>').argument('<end>').option('--description <text>')))
    .action(run(async (subnet: string, kind: string, start: string, end: string, o) => print(o, await call(o, 'POST', `/subnets/${subnet}/ranges`, {
      kind, start, end, ...(o.description ? { description: o.description } : {}), ...await dhcpExtras(o),
    }), RANGE)));
  withConnection(withExtras(ranges.command('update').description('change a range\'s description, or a pool\'s options and classes').argument('<id>')
    .option('--description <text>').option('--if-version <n>', 'refuse when it changed since this version')))
    .action(run(async (id: string, o) => print(o, await call(o, 'PATCH', `/ranges/${id}`, { ...defined({ description: o.description }), ...await dhcpExtras(o) }, ifVersion(o)), [...RANGE, 'version'])));
  withConnection(ranges.command('delete').description('delete a pool or an exclusion').argument('<id>').option('--if-version <n>', 'refuse when it changed since this version'))
    .action(run(async (id: string, o) => { await call(o, 'DELETE', `/ranges/${id}`, undefined, ifVersion(o)); if (!o.json) process.stdout.write(`range ${id} deleted\n`); }));

  const addresses = program.command('addresses').description('reservations and static addresses of the manager');
  list(addresses.command('list').description('list addresses').option('--space <id>').option('--subnet <id>').option('--mac <mac>').option('--hostname <name>'))
    .action(run(async (o) => print(o, await listAll(o, '/addresses', { spaceId: o.space, subnetId: o.subnet, mac: o.mac, hostname: o.hostname }), ADDRESS)));
  const fields = (c: Command) => withExtras(withConnection(c).option('--mac <mac>').option('--client-id <hex>')
    .option('--hostname <name>').option('--dns-name <name>').option('--description <text>'));
  const details = (c: Command) => fields(c).option('--kind <kind>', 'reservation or static', 'static');
  const detailsOf = async (o: Record<string, string | undefined>) => ({
    ...defined({ kind: o.kind, mac: o.mac, clientId: o.clientId, hostname: o.hostname, dnsName: o.dnsName, description: o.description }), ...await dhcpExtras(o),
  });
  details(addresses.command('create').description('record an address (a reservation may carry its own options and classes)').argument('<address>').requiredOption('--space <id>'))
    .action(run(async (address: string, o) => print(o, await call(o, 'POST', '/addresses', { spaceId: Number(o.space), address, ...await detailsOf(o) }), ADDRESS)));
  details(addresses.command('next-free').description('allocate the lowest free address of a subnet').argument('<subnet-id>').option('--idempotency-key <key>'))
    .action(run(async (subnet: string, o) => print(o, await call(o, 'POST', `/subnets/${subnet}/next-free-address`, await detailsOf(o), o.idempotencyKey ? { 'idempotency-key': o.idempotencyKey } : {}), ADDRESS)));
  fields(addresses.command('update').description('change an address\'s client, names, description, or a reservation\'s options and classes').argument('<id>')
    .option('--if-version <n>', 'refuse when it changed since this version'))
    .action(run(async (id: string, o) => print(o, await call(o, 'PATCH', `/addresses/${id}`, await detailsOf(o), ifVersion(o)), [...ADDRESS, 'version'])));
  withConnection(addresses.command('delete').description('delete an address').argument('<id>').option('--if-version <n>'))
    .action(run(async (id: string, o) => { await call(o, 'DELETE', `/addresses/${id}`, undefined, ifVersion(o)); if (!o.json) process.stdout.write(`address ${id} deleted\n`); }));

  const users = program.command('users').description('users of the manager (admin)');
  list(users.command('list').description('list users')).action(run(async (o) => print(o, await listAll(o, '/users', {}), ['id', 'name', 'role', 'disabled'])));
  withConnection(users.command('create').description('create a user').argument('<name>').requiredOption('--role <role>', 'admin, operator or read-only')
    .option('--password-file <file>', 'a file holding the password (for logins)').option('--sites <ids>', 'limit the user to these sites (comma-separated ids): it changes only what belongs to them'))
    .action(run(async (name: string, o) => {
      const password = o.passwordFile ? (await readFile(o.passwordFile, 'utf8')).trim() : undefined;
      const sites = o.sites === undefined ? undefined : String(o.sites).split(',').map((x) => Number(x.trim()));
      if (sites?.some((x) => !Number.isInteger(x) || x < 1)) throw new CliFailure(`--sites ${o.sites} is not a list of site ids, e.g. 3,7`, EXIT_USAGE);
      print(o, await call(o, 'POST', '/users', { name, role: o.role, ...(password ? { password } : {}), ...(sites ? { sites } : {}) }), ['id', 'name', 'role', 'sites']);
    }));
  const tokens = program.command('tokens').description('API tokens (admin)');
  withConnection(tokens.command('create').description('make an API token for a user; its secret is printed once').argument('<user-id>')
    .requiredOption('--name <name>').option('--scope <scope>', 'read, write or admin', 'read'))
    .action(run(async (user: string, o) => {
      const t = await call(o, 'POST', `/users/${user}/tokens`, { name: o.name, scope: o.scope });
      if (o.json) print(o, t, []);
      else process.stdout.write(`token ${String(t.id)}: ${String(t.secret)}\n(store it now: it is not shown again)\n`);
    }));

  const importer = program.command('import').description('CSV import with a report of every row: all of the file or nothing');
  const exporter = program.command('export').description('CSV export (the columns the import takes)');
  for (const kind of ['addresses', 'subnets'] as const) {
    withProgress(withConnection(importer.command(kind).description(`import ${kind} from a CSV file (- for standard input)`).argument('<file>').requiredOption('--space <id>')
      .option('--dry-run', 'check every row and report; write nothing')))
      .action(run(async (file: string, o) => {
        const text = file === '-' ? await new Response(process.stdin as unknown as ReadableStream).text() : await readFile(file, 'utf8');
        printReport(o, await upload(o, `/import/${kind}?spaceId=${Number(o.space)}${o.dryRun ? '&dryRun=true' : ''}`, text));
      }));
    withProgress(withConnection(exporter.command(kind).description(`export ${kind} as CSV to standard output`).requiredOption('--space <id>')))
      .action(run(async (o) => download(o, `/export/${kind}?spaceId=${Number(o.space)}`)));
  }

  // Manual DNS records: no IP space; the zone is a column.
  withProgress(withConnection(importer.command('records').description('import manual DNS records from a CSV file (zone,name,type,ttl,data,description; - for standard input)').argument('<file>')
    .option('--dry-run', 'check every row and report; write nothing')))
    .action(run(async (file: string, o) => {
      const text = file === '-' ? await new Response(process.stdin as unknown as ReadableStream).text() : await readFile(file, 'utf8');
      printReport(o, await upload(o, `/import/records${o.dryRun ? '?dryRun=true' : ''}`, text));
    }));
  withProgress(withConnection(exporter.command('records').description('export manual DNS records as CSV to standard output').option('--zone <name>', 'only this zone\'s records')))
    .action(run(async (o) => download(o, `/export/records${o.zone ? `?zone=${encodeURIComponent(o.zone)}` : ''}`)));

  list(program.command('audit').description('the audit log: who changed what, before and after').option('--type <object-type>', 'e.g. subnet').option('--object <id>'))
    .action(run(async (o) => print(o, (await listAll(o, '/audit', { objectType: o.type, objectId: o.object })).map((e) => ({ ...e, at: new Date(e.at as number).toISOString() })), ['id', 'at', 'actor', 'action', 'objectType', 'objectId'])));
}
