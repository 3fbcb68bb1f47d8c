// Secrets in a rendered config (docs/manager.md "Rendering"): failover keys, TSIG secrets,
// upload passwords. A site gets them; people reading a config or a plan see a mask unless
// an administrator asks for them.
const MASK = '(secret)';

/** Where secrets sit in a site config: [section path, array, field]. */
const SECRET_FIELDS: readonly (readonly [readonly string[], string])[] = [
  [['failover', 'relationships'], 'key'],
  [['dns', 'keys'], 'secret'],
  [['files', 'http', 'uploads', 'users'], 'password'],
];

/** A copy of the config with every secret replaced by a mask. */
export function maskSecrets<T>(config: T): T {
  const copy = structuredClone(config) as Record<string, unknown>;
  for (const [path, field] of SECRET_FIELDS) {
    let at: unknown = copy;
    for (const p of path) at = (at as Record<string, unknown> | undefined)?.[p];
    if (!Array.isArray(at)) continue;
    for (const item of at as Record<string, unknown>[]) if (typeof item[field] === 'string') item[field] = MASK;
  }
  return copy as T;
}
