// The site config: the contract between the manager and a site daemon (versioned;
// the dhcp section is in dhcp-schema.ts, the failover section in failover-schema.ts,
// the dns section in dns-schema.ts, the files section in files-schema.ts, the agent section in agent-schema.ts). Defaults live here, next to
// each key, so the schema is also the defaults table.
import { Type, type Static } from '@sinclair/typebox';
import { DHCP_SCHEMA_DEFS, DhcpSchema } from './dhcp-schema.js';
import { FailoverSchema } from './failover-schema.js';
import { DnsSchema, TsigKeySchema } from './dns-schema.js';
import { FilesSchema } from './files-schema.js';
import { AgentSchema } from './agent-schema.js';

export const SITE_CONFIG_VERSION = 1;

const Name = (description: string) =>
  Type.String({ minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$', description });


export const SiteConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String({ description: 'Path or URL of this schema, for editors. Ignored by Outpost.' })),
    version: Type.Literal(SITE_CONFIG_VERSION, { description: 'Version of the site config schema this file follows.' }),
    site: Type.Object(
      {
        name: Name('The site name: lower-case letters, digits and hyphens (a DNS label), e.g. "branch-07".'),
        description: Type.Optional(Type.String({ maxLength: 500, description: 'Free text shown to administrators.' })),
      },
      { additionalProperties: false, description: 'The site this server belongs to.' },
    ),
    server: Type.Object(
      {
        name: Name('This server\'s name within the site (a DNS label), e.g. "branch-07-a".'),
      },
      { additionalProperties: false, description: 'The server this config is for; twin servers of one site differ here.' },
    ),
    status: Type.Object(
      {
        listen: Type.String({ format: 'ip-address', default: '127.0.0.1', description: 'Address of the status endpoint (/healthz, /metrics). Keep it local or on a management network.' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 9180, description: 'TCP port of the status endpoint; 0 picks a free port and logs it.' }),
      },
      { additionalProperties: false, default: {}, description: 'The local status endpoint.' },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          [Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace')],
          { default: 'info', description: 'Lowest level written to the JSON log on stdout.' },
        ),
      },
      { additionalProperties: false, default: {}, description: 'Logging.' },
    ),
    dhcp: Type.Optional(DhcpSchema),
    failover: Type.Optional(FailoverSchema),
    dns: Type.Optional(DnsSchema),
    files: Type.Optional(FilesSchema),
    agent: Type.Optional(AgentSchema),
  },
  {
    additionalProperties: false,
    $id: 'https://outpost.invalid/schema/site-config.v1.json',
    title: 'Outpost site config, version 1',
    // Shapes used at several places (the options object of every DHCP level), kept once.
    $defs: { ...DHCP_SCHEMA_DEFS, tsigKey: TsigKeySchema },
  },
);

export type SiteConfig = Static<typeof SiteConfigSchema>;
