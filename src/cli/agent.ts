// `outpost agent status`: a running site daemon's agent — the event path to the
// managers — through its status port (GET /agent, no token).
import { age, EXIT_FAILED, EXIT_OK, getStatus, writeTable, type TargetOptions } from './status-target.js';

export interface AgentStatusOptions extends TargetOptions {
  json?: boolean;
}

interface AgentView {
  state?: string;
  manager?: string | null;
  lastContact?: string | null;
  lastError?: { reason?: string; detail?: string; at?: string } | null;
  delivered?: number;
  outbox?: { stream?: string; acked?: number; pending?: number; bytes?: number; refused?: number; oldest?: string | null } | null;
}

export async function agentStatus(o: AgentStatusOptions, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const name = 'outpost agent status';
  const text = await getStatus(name, '/agent', o, err, 'agent');
  if (typeof text === 'number') return text;
  if (o.json) { out.write(text.endsWith('\n') ? text : text + '\n'); return EXIT_OK; }
  let a: AgentView;
  try {
    a = JSON.parse(text) as AgentView;
  } catch {
    err.write(`${name}: the daemon's answer is not JSON\n`);
    return EXIT_FAILED;
  }
  const now = Date.now();
  const since = (iso: string | null | undefined) => age(iso ? now - Date.parse(iso) : undefined);
  const b = a.outbox;
  writeTable(out, [
    ['STATE', 'MANAGER', 'LAST-CONTACT', 'PENDING', 'OLDEST', 'DELIVERED', 'REFUSED'],
    [a.state ?? '?', a.manager ?? '-', since(a.lastContact), String(b?.pending ?? '?'), b?.oldest ? since(b.oldest) : '-', String(a.delivered ?? 0), String(b?.refused ?? 0)],
  ]);
  if (b) out.write(`outbox stream ${b.stream ?? '?'}: acknowledged up to ${b.acked ?? '?'}, ${b.bytes ?? '?'} bytes on disk\n`);
  if (a.lastError) out.write(`last error (${since(a.lastError.at)}): ${a.lastError.reason ?? '?'}: ${a.lastError.detail ?? ''}\n`);
  return EXIT_OK;
}
