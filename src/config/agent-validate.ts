// Checks of the `agent` section the schema cannot express (docs/agent.md), on the
// schema-valid config with its defaults: manager URLs parse and are distinct; retryMin
// is at most retryMax; a segment is smaller than the whole outbox.
import type { AgentConfig } from './agent-schema.js';
import { jsonPath, type ConfigProblem } from './problem.js';

export function validateAgent(agent: AgentConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (path: (string | number)[], reason: string) => problems.push({ code: 'CONFIG_INVALID', path: jsonPath(['agent', ...path]), reason });
  const seen = new Map<string, number>();
  agent.managers.forEach((m, i) => {
    let url: URL;
    try {
      url = new URL(m.url);
    } catch {
      problem(['managers', i, 'url'], `${m.url} is not a URL`);
      return;
    }
    if (m.caFile !== undefined && url.protocol !== 'https:') problem(['managers', i, 'caFile'], 'caFile is for an https URL');
    const key = url.href.replace(/\/$/, '');
    const first = seen.get(key);
    if (first !== undefined) problem(['managers', i, 'url'], `${m.url} is also agent.managers[${first}]`);
    else seen.set(key, i);
  });
  if (agent.delivery.retryMin > agent.delivery.retryMax) problem(['delivery', 'retryMin'], `retryMin ${agent.delivery.retryMin} is more than retryMax ${agent.delivery.retryMax}`);
  if (agent.outbox.segmentBytes * 4 > agent.outbox.maxBytes) problem(['outbox', 'segmentBytes'], `a segment of ${agent.outbox.segmentBytes} bytes is more than a quarter of maxBytes ${agent.outbox.maxBytes}`);
  return problems;
}
