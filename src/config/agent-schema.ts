// The `agent` section of the site config: the site's link to its managers (docs/agent.md).
// This part carries the event path — the outbox every reported event is appended to and
// the delivery of it to the managers; pulling the site config arrives with issue 8.
// Defaults live next to each key, so this schema is also the defaults table;
// agent-validate.ts checks what a schema cannot say.
import { Type, type Static } from '@sinclair/typebox';
import { PATTERNS } from './dhcp-schema.js';

const Path = (description: string) => Type.String({ minLength: 1, maxLength: 4096, pattern: PATTERNS.path, description });
const MiB = 1024 * 1024;

export const AgentSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Run the agent.' }),
    managers: Type.Array(
      Type.Object(
        {
          url: Type.String({ minLength: 1, maxLength: 2048, pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$', description: 'Base URL of a manager, e.g. "https://manager.example.net:8443". Events go to <url>/api/v1/agent/events.' }),
          caFile: Type.Optional(Path('PEM certificates trusted for this manager\'s HTTPS (relative: against the config file\'s directory); absent: the system\'s.')),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 8, description: 'The managers, tried in order; the agent stays with the one that answered last (it follows the active manager).' },
    ),
    tokenFile: Path('A file holding this site\'s credential, sent to the managers as a bearer token (relative: against the config file\'s directory).'),
    dataDir: Path('Directory the agent owns: the outbox of events not yet delivered.'),
    outbox: Type.Object(
      {
        maxBytes: Type.Integer({ minimum: MiB, maximum: 2 ** 40, default: 1024 * MiB, description: 'Disk the outbox may take at most; events past it are refused and counted, and one outbox.overflow event reports them once there is room.' }),
        segmentBytes: Type.Integer({ minimum: 64 * 1024, maximum: 1024 * MiB, default: 16 * MiB, description: 'Size at which the outbox starts a new segment file; a segment is deleted once all of it is delivered.' }),
      },
      { additionalProperties: false, default: {}, description: 'The durable queue of events not yet acknowledged by a manager.' },
    ),
    delivery: Type.Object(
      {
        batchEvents: Type.Integer({ minimum: 1, maximum: 10_000, default: 1000, description: 'Events per batch at most.' }),
        batchBytes: Type.Integer({ minimum: 1024, maximum: 64 * MiB, default: MiB, description: 'Bytes of events per batch at most (a batch holds at least one event).' }),
        timeout: Type.Integer({ minimum: 1, maximum: 600, default: 30, description: 'Seconds a manager has to answer a batch.' }),
        retryMin: Type.Integer({ minimum: 1, maximum: 3600, default: 1, description: 'Seconds before a failed batch is sent again; doubled after each failure up to retryMax.' }),
        retryMax: Type.Integer({ minimum: 1, maximum: 3600, default: 60, description: 'Longest wait between attempts, seconds.' }),
      },
      { additionalProperties: false, default: {}, description: 'How events are sent.' },
    ),
  },
  { additionalProperties: false, description: 'The agent: the site\'s link to its managers (docs/agent.md). Absent: the site runs standalone and reports nothing upstream.' },
);

export type AgentConfig = Static<typeof AgentSchema>;
