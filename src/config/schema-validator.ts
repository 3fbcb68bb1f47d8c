// Turns a JSON Schema into a validator whose errors name the JSON path and the reason
// in words an administrator reads, not ajv's internals.
import AjvModule, { type ErrorObject } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { isIPAddress } from '../core/ip.js';
import { describeValue as describe, jsonPath, type ConfigProblem } from './problem.js';

// ajv ships CommonJS; under NodeNext its default export is the module object.
const Ajv = AjvModule.default;

function pathOf(instancePath: string, data: unknown): (string | number)[] {
  const segments: (string | number)[] = [];
  let node: unknown = data;
  for (const raw of instancePath.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const seg = Array.isArray(node) ? Number(key) : key;
    segments.push(seg);
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }
  return segments;
}

function reasonOf(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  const hint = typeof e.parentSchema?.description === 'string' ? ` (${e.parentSchema.description})` : '';
  switch (e.keyword) {
    case 'additionalProperties': {
      const allowed = Object.keys((e.parentSchema?.properties as object | undefined) ?? {}).filter((k) => k !== '$schema');
      return `unknown key (allowed here: ${allowed.join(', ')})`;
    }
    case 'required':
      return `missing required key "${String(p.missingProperty)}"`;
    case 'type':
      return `must be ${String(p.type)}, not ${describe(e.data)}`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}, not ${describe(e.data)}`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, not ${describe(e.data)}`;
    case 'pattern':
      return `${describe(e.data)} is not allowed here${hint}`;
    case 'format':
      return `${describe(e.data)} is not a valid ${String(p.format)}`;
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
    case 'minLength': case 'maxLength': case 'minItems': case 'maxItems':
      return `${e.message ?? e.keyword}, not ${describe(e.data)}`;
    default:
      return `${e.message ?? e.keyword}${hint}`;
  }
}

// A union of literals fails once per member: report it once, as an enum. A literal of
// the wrong type fails as type and as const: report the const, which says more.
function collapseUnions(errors: ErrorObject[]): ErrorObject[] {
  const unionPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const constPaths = new Set(errors.filter((e) => e.keyword === 'const').map((e) => e.instancePath));
  const out: ErrorObject[] = [];
  for (const e of errors) {
    if (e.keyword === 'type' && constPaths.has(e.instancePath)) continue;
    if (unionPaths.has(e.instancePath) && e.keyword === 'const') continue;
    if (e.keyword === 'anyOf') {
      const members = (e.schema as { const?: unknown }[] | undefined) ?? [];
      if (members.every((m) => 'const' in m)) {
        out.push({ ...e, keyword: 'enum', params: { allowedValues: members.map((m) => m.const) } });
        continue;
      }
    }
    out.push(e);
  }
  return out;
}

export interface SchemaValidator<T> {
  /** Validates in place (filling defaults); returns the value typed, or the problems. */
  (value: unknown): { ok: true; value: T } | { ok: false; problems: ConfigProblem[] };
}

export function compileValidator<T>(schema: TSchema): SchemaValidator<T> {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, verbose: true, strict: true, strictTuples: false });
  ajv.addFormat('ip-address', { type: 'string', validate: isIPAddress });
  const validate = ajv.compile(schema);
  return (value: unknown) => {
    if (validate(value)) return { ok: true, value: value as T };
    const problems = collapseUnions(validate.errors ?? []).map((e) => {
      const segments = pathOf(e.instancePath, value);
      // An unknown key is reported at its own path, where the administrator must look.
      if (e.keyword === 'additionalProperties') segments.push(String((e.params as { additionalProperty: string }).additionalProperty));
      return { code: 'CONFIG_INVALID' as const, path: jsonPath(segments), reason: reasonOf(e) };
    });
    return { ok: false, problems };
  };
}
