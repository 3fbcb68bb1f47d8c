// Site config in: text → parsed → versioned → schema-validated with defaults →
// semantic checks (dhcp-validate.ts, failover-validate.ts, dns-validate.ts, files-validate.ts, agent-validate.ts) → frozen. Errors refuse the
// config; warnings (same shape, their own codes) travel with the loaded config.
import { parseJsonc } from './jsonc.js';
import { canonicalJson, contentHash, deepFreeze } from './canonical.js';
import { compileValidator } from './schema-validator.js';
import type { ConfigProblem } from './problem.js';
import { SITE_CONFIG_VERSION, SiteConfigSchema, type SiteConfig } from './site-schema.js';
import { validateDhcp } from './dhcp-validate.js';
import { validateFailover } from './failover-validate.js';
import { validateDns } from './dns-validate.js';
import { validateFiles } from './files-validate.js';
import { validateAgent } from './agent-validate.js';
import { validateDdns } from './ddns-validate.js';

export interface LoadedSiteConfig {
  readonly config: Readonly<SiteConfig>;
  /** Hash of the config as written (comments, key order and $schema aside), before defaults. */
  readonly hash: string;
  /** What is valid but probably not meant, each with its path and reason; `site check` prints them, `site run` logs them. */
  readonly warnings: readonly ConfigProblem[];
}

export type SiteConfigResult =
  | { ok: true; loaded: LoadedSiteConfig }
  | { ok: false; problems: ConfigProblem[] };

let validator: ReturnType<typeof compileValidator<SiteConfig>> | undefined;

export function parseSiteConfig(text: string): SiteConfigResult {
  const parsed = parseJsonc(text);
  if (parsed.problems.length > 0) return { ok: false, problems: parsed.problems };
  const value = parsed.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, problems: [{ code: 'CONFIG_INVALID', path: '$', reason: 'the config must be a JSON object' }] };
  }
  const version = (value as Record<string, unknown>).version;
  if (typeof version === 'number' && version !== SITE_CONFIG_VERSION) {
    return {
      ok: false,
      problems: [{ code: 'CONFIG_VERSION_UNSUPPORTED', path: '$.version', reason: `version ${version} is not supported by this build (supported: ${SITE_CONFIG_VERSION})` }],
    };
  }
  const { $schema: _editorHint, ...content } = value as Record<string, unknown>;
  const hash = contentHash(content);
  const working = JSON.parse(canonicalJson(value)) as unknown;
  validator ??= compileValidator<SiteConfig>(SiteConfigSchema);
  const result = validator(working);
  if (!result.ok) return result;
  // Checks the schema cannot express, on the schema-valid config with its defaults.
  const { problems, warnings } = semanticChecks(result.value);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, loaded: { config: deepFreeze(result.value), hash, warnings: deepFreeze(warnings) } };
}

function semanticChecks(config: SiteConfig): { problems: ConfigProblem[]; warnings: ConfigProblem[] } {
  const problems = config.dhcp === undefined ? [] : [...validateDhcp(config.dhcp), ...validateDdns({ dns: config.dns, dhcp: config.dhcp })];
  const failover = validateFailover(config);
  const dns = config.dns === undefined ? [] : validateDns(config.dns);
  const files = config.files === undefined ? [] : validateFiles(config.files);
  const agent = config.agent === undefined ? [] : validateAgent(config.agent);
  return { problems: [...problems, ...failover.problems, ...dns, ...files, ...agent], warnings: failover.warnings };
}

export function siteConfigJsonSchema(): object {
  return JSON.parse(JSON.stringify(SiteConfigSchema)) as object;
}
