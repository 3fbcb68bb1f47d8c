// Shared by the dhcp-config*.test.ts files: a small valid `dhcp` section to edit,
// and the site config parser's answer as "path: reason" lines.
import assert from 'node:assert/strict';
import { parseSiteConfig } from '../../src/config/site-config.js';
import type { DhcpConfig } from '../../src/config/dhcp-schema.js';

export type Editable = any;

/** One directly connected subnet with a pool and a router: valid as it is. */
export function baseDhcp(): Editable {
  return {
    interfaces: [{ name: 'eth0.10', address: '192.0.2.2' }],
    subnets: [
      {
        id: 1,
        subnet: '192.0.2.0/24',
        interface: 'eth0.10',
        pools: [{ start: '192.0.2.100', end: '192.0.2.199' }],
        options: { routers: ['192.0.2.1'] },
      },
    ],
  };
}

export function siteText(dhcp: unknown): string {
  return JSON.stringify({ version: 1, site: { name: 'branch-07' }, server: { name: 'branch-07-a' }, dhcp });
}

/** The loaded `dhcp` section (defaults filled in); fails the test when the config is rejected. */
export function loadDhcp(dhcp: unknown): DhcpConfig {
  const r = parseSiteConfig(siteText(dhcp));
  assert.deepEqual(r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.reason}`), []);
  assert.ok(r.ok && r.loaded.config.dhcp);
  return r.loaded.config.dhcp;
}

/** Every problem of a config as "path: reason"; fails the test when the config is accepted. */
export function problemsOf(dhcp: unknown): string[] {
  const r = parseSiteConfig(siteText(dhcp));
  assert.equal(r.ok, false, 'expected the config to be rejected');
  if (r.ok) return [];
  for (const p of r.problems) assert.equal(p.code, 'CONFIG_INVALID');
  return r.problems.map((p) => `${p.path}: ${p.reason}`);
}

/** Problems of the base section after `edit`. */
export function problemsAfter(edit: (d: Editable) => void): string[] {
  const d = baseDhcp();
  edit(d);
  return problemsOf(d);
}

/** Problems of the base section with `options` merged into subnet 0's options. */
export function optionProblems(options: Record<string, unknown>): string[] {
  return problemsAfter((d) => { Object.assign(d.subnets[0].options, options); });
}
