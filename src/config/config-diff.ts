// The difference between two site configs (docs/manager.md "Plan"): every added, removed
// and changed value with its JSON path. Arrays whose items are objects with a unique `id`
// or `name` are matched by it (`$.dhcp.subnets[id=12].pools[0].end`), so inserting a
// subnet shows as one addition, not as every later subnet changed.
import { canonicalJson } from './canonical.js';

export interface ConfigChange {
  readonly op: 'add' | 'remove' | 'change';
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (path: string, k: string) => (IDENTIFIER.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The field items of an array are matched by, when every item has a distinct one. */
function matchField(a: readonly unknown[], b: readonly unknown[]): 'id' | 'name' | undefined {
  for (const field of ['id', 'name'] as const) {
    const keys = (xs: readonly unknown[]) => xs.map((x) => (isObject(x) ? x[field] : undefined));
    const all = [...keys(a), ...keys(b)];
    if (all.every((k) => typeof k === 'string' || typeof k === 'number') && new Set(keys(a)).size === a.length && new Set(keys(b)).size === b.length) return field;
  }
  return undefined;
}

export function diffConfigs(before: unknown, after: unknown, path = '$', out: ConfigChange[] = []): ConfigChange[] {
  if (canonicalJson(before) === canonicalJson(after)) return out;
  if (isObject(before) && isObject(after)) {
    for (const k of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      if (!(k in after)) out.push({ op: 'remove', path: key(path, k), before: before[k] });
      else if (!(k in before)) out.push({ op: 'add', path: key(path, k), after: after[k] });
      else diffConfigs(before[k], after[k], key(path, k), out);
    }
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const field = matchField(before, after);
    if (field) {
      const index = (xs: readonly unknown[]) => new Map(xs.map((x) => [(x as Record<string, unknown>)[field] as string | number, x]));
      const a = index(before);
      const b = index(after);
      for (const [k, v] of a) if (!b.has(k)) out.push({ op: 'remove', path: `${path}[${field}=${k}]`, before: v });
      for (const [k, v] of b) {
        if (!a.has(k)) out.push({ op: 'add', path: `${path}[${field}=${k}]`, after: v });
        else diffConfigs(a.get(k), v, `${path}[${field}=${k}]`, out);
      }
      return out;
    }
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      if (i >= after.length) out.push({ op: 'remove', path: `${path}[${i}]`, before: before[i] });
      else if (i >= before.length) out.push({ op: 'add', path: `${path}[${i}]`, after: after[i] });
      else diffConfigs(before[i], after[i], `${path}[${i}]`, out);
    }
    return out;
  }
  out.push({ op: 'change', path, before, after });
  return out;
}
