// `outpost failover status|maintenance|partner-down|resume`: a running site daemon's
// failover relationships, through its status port. status reads GET /failover (no
// token); the commands POST /failover/<relationship>/<command> with the daemon's
// control token as bearer (control.token in the lease directory, control-token.ts).
import { createInterface } from 'node:readline/promises';
import { age, errorText, EXIT_FAILED, EXIT_OK, EXIT_USAGE, readControlToken, statusTarget, UsageError, writeTable, type TargetOptions } from './status-target.js';
import type { OperatorCommand } from '../protocol/failover/relationship.js';

export type FailoverTargetOptions = TargetOptions;

export interface FailoverStatusOptions extends FailoverTargetOptions {
  json?: boolean;
}

export interface FailoverCommandOptions extends FailoverTargetOptions {
  tokenFile?: string;
  yes?: boolean;
}

/** What a command needs from the terminal: stdin for the confirmation, and whether it is one. */
export interface Terminal {
  readonly input: NodeJS.ReadableStream;
  readonly isTTY: boolean;
}

interface Transition { from: string; to: string; partner?: string; event?: string; cause: string; at: string }
interface RelationshipView {
  name?: string; mode?: string; role?: string; partner?: string; state?: string; partnerState?: string;
  connected?: boolean; lastContactAgeMs?: number | null; unsynced?: number; inFlight?: number;
  partnerAddress?: string; history?: Transition[];
}

export async function failoverStatus(o: FailoverStatusOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let text: string;
  try {
    const { url } = await statusTarget(o);
    const res = await fetch(`${url}/failover`, { signal: AbortSignal.timeout(10_000) });
    text = await res.text();
    if (res.status === 404) { err.write(`outpost failover status: the daemon at ${url} runs no failover (no /failover route)\n`); return EXIT_FAILED; }
    if (!res.ok) { err.write(`outpost failover status: ${errorText(text, res.statusText)}\n`); return EXIT_FAILED; }
  } catch (error) {
    err.write(`outpost failover status: ${(error as Error).message}\n`);
    return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILED;
  }
  if (o.json) { out.write(text.endsWith('\n') ? text : text + '\n'); return EXIT_OK; }
  let relationships: RelationshipView[];
  try {
    relationships = (JSON.parse(text) as { relationships?: RelationshipView[] }).relationships ?? [];
  } catch {
    err.write('outpost failover status: the daemon\'s answer is not JSON\n');
    return EXIT_FAILED;
  }
  if (relationships.length === 0) { out.write('no failover relationship with a partner on this server\n'); return EXIT_OK; }
  writeTable(out, [
    ['RELATIONSHIP', 'MODE', 'ROLE', 'STATE', 'PARTNER', 'PARTNER-STATE', 'CONNECTED', 'LAST-CONTACT', 'UNSYNCED', 'IN-FLIGHT'],
    ...relationships.map((r) => [
      r.name ?? '?', r.mode ?? '?', r.role ?? '?', r.state ?? '?', r.partner ?? '?', r.partnerState ?? '?',
      r.connected ? 'yes' : 'no', age(r.lastContactAgeMs), String(r.unsynced ?? 0), String(r.inFlight ?? 0),
    ]),
  ]);
  const recent = relationships.flatMap((r) => (r.history ?? []).slice(-5).map((t) => [r.name ?? '?', t.at, `${t.from} → ${t.to}`, t.cause]));
  if (recent.length > 0) {
    out.write('\n');
    writeTable(out, [['RELATIONSHIP', 'TIME', 'TRANSITION', 'CAUSE'], ...recent]);
  }
  return EXIT_OK;
}

export async function failoverCommand(command: OperatorCommand, relationship: string, o: FailoverCommandOptions, term: Terminal, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const name = `outpost failover ${command}`;
  let url: string;
  let token: string;
  try {
    if (command === 'partner-down' && !o.yes && !term.isTTY) {
      throw new UsageError('partner-down needs a confirmation and stdin is not a terminal: pass --yes if the partner is really down');
    }
    const t = await statusTarget(o);
    url = t.url;
    const tokenFile = o.tokenFile ?? t.tokenPath;
    if (!tokenFile) throw new UsageError(o.config ? `${o.config} runs no DHCP, so no failover: give --token-file FILE` : 'with --url give --token-file FILE (the daemon\'s control.token, in its dhcp.leaseDir)');
    token = await readControlToken(tokenFile, 'is it running, with failover?');
  } catch (error) {
    err.write(`${name}: ${(error as Error).message}\n`);
    return error instanceof UsageError ? EXIT_USAGE : EXIT_FAILED;
  }
  if (command === 'partner-down' && !o.yes) {
    const partner = await partnerOf(url, relationship);
    if (!(await confirm(term.input, err, partnerDownWarning(relationship, partner)))) {
      err.write(`${name}: not confirmed; nothing changed\n`);
      return EXIT_FAILED;
    }
  }
  try {
    const res = await fetch(`${url}/failover/${encodeURIComponent(relationship)}/${command}`, {
      method: 'POST', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) {
      err.write(`${name}: ${errorText(text, res.statusText)}${res.status === 401 ? ' (is the token file this daemon\'s, from this start?)' : ''}\n`);
      return EXIT_FAILED;
    }
    const body = JSON.parse(text) as { relationship: string; from: string; to: string };
    out.write(`${body.relationship}: ${body.from} → ${body.to}\n`);
    return EXIT_OK;
  } catch (error) {
    err.write(`${name}: ${(error as Error).message}\n`);
    return EXIT_FAILED;
  }
}

/** The risk of partner-down, asked before it is sent (docs/failover-protocol.md, "Operator control"). */
export function partnerDownWarning(relationship: string, partner: string | undefined): string {
  const p = partner ?? 'the partner';
  return `Only if ${p} is really down: this server will answer all clients of ${relationship}, ${p}'s too; `
    + `if ${p} is in fact running, both servers answer them. Addresses stay unique (partner-down changes who answers, never Outpost's rules 1–4), `
    + `but leases on ${p}'s addresses are extended at most MCLT past what ${p} last acknowledged.\n`
    + `Put ${relationship} in partner-down? [y/N] `;
}

/** The partner's name, for the confirmation; undefined when the daemon does not say. */
async function partnerOf(url: string, relationship: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${url}/failover`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return undefined;
    const body = await res.json() as { relationships?: RelationshipView[] };
    return body.relationships?.find((r) => r.name === relationship)?.partner;
  } catch {
    return undefined;
  }
}

async function confirm(input: NodeJS.ReadableStream, output: NodeJS.WritableStream, question: string): Promise<boolean> {
  const rl = createInterface({ input, output, terminal: false });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    return false;
  } finally {
    rl.close();
  }
}
