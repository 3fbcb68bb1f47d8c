// Semantic checks of the `dns` section: what its JSON Schema cannot say. Runs after
// the schema passed (values typed, defaults filled in) and reports every problem at
// once, each with its JSON path and the reason:
//
//   - zones: names unique (case-insensitively, trailing dot or not); a primary has a
//     `file` and no `primaries`; a secondary has `primaries`; no two zones name the
//     same `file` (a secondary's copy would overwrite it);
//   - keys: names unique; exactly one of secret and secretFile; a secret is strict
//     base64 of at least MIN_TSIG_SECRET_BYTES bytes;
//   - references: every `key` of a rule or server names a dns.keys entry;
//   - access rules: `from` entries are addresses or prefixes of the right length;
//     a transfer rule without `from` must name a key (else it would allow everyone);
//   - update grants: `types` are record type mnemonics the server knows.
import { posix } from 'node:path';
import { isIPv4, isIPv6 } from '../core/ip.js';
import { RRType } from '../wire/dns/types.js';
import { base64Length } from './failover-validate.js';
import { MIN_TSIG_SECRET_BYTES, type DnsConfig } from './dns-schema.js';
import { jsonPath, type ConfigProblem } from './problem.js';

type Seg = string | number;

/** A configured name in canonical form: lower case, absolute. */
export function zoneKey(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** Whether `text` is an IPv4/IPv6 address or prefix with a length that fits its family. */
export function isPrefix(text: string): boolean {
  const [address = '', length, extra] = text.split('/');
  if (extra !== undefined) return false;
  const max = isIPv4(address) ? 32 : isIPv6(address) ? 128 : -1;
  if (max < 0) return false;
  return length === undefined || (/^\d{1,3}$/.test(length) && Number(length) <= max);
}

const UPDATABLE_TYPES = new Set([...Object.keys(RRType).filter((t) => !['OPT', 'TSIG', 'TKEY', 'IXFR', 'AXFR', 'ANY'].includes(t)), 'DHCID']);

/** Whether `name` is `zone` or below it (config spelling: ASCII, the final dot optional). */
function inZone(name: string, zone: string): boolean {
  const n = zoneKey(name);
  const z = zoneKey(zone);
  return z === '.' || n === z || n.endsWith(`.${z}`);
}

export function validateDns(dns: DnsConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (path: Seg[], reason: string) => problems.push({ code: 'CONFIG_INVALID', path: jsonPath(['dns', ...path]), reason });

  const keys = new Set<string>();
  dns.keys.forEach((k, i) => {
    const name = zoneKey(k.name);
    if (keys.has(name)) problem(['keys', i, 'name'], `key ${k.name} is defined more than once`);
    keys.add(name);
    if ((k.secret === undefined) === (k.secretFile === undefined)) problem(['keys', i], 'give exactly one of secret and secretFile');
    if (k.secret !== undefined) {
      const bytes = base64Length(k.secret);
      if (bytes === undefined) problem(['keys', i, 'secret'], 'not base64 (standard alphabet, padded)');
      else if (bytes < MIN_TSIG_SECRET_BYTES) problem(['keys', i, 'secret'], `${bytes} bytes decoded; at least ${MIN_TSIG_SECRET_BYTES} are needed`);
    }
  });
  const keyRef = (path: Seg[], key: string | undefined) => {
    if (key !== undefined && !keys.has(zoneKey(key))) problem(path, `no key named ${key} in dns.keys`);
  };

  const zones = new Map<string, number>();
  const files = new Map<string, number>();
  dns.zones.forEach((z, i) => {
    const at = (...p: Seg[]): Seg[] => ['zones', i, ...p];
    const name = zoneKey(z.name);
    const first = zones.get(name);
    if (first !== undefined) problem(at('name'), `zone ${z.name} is also dns.zones[${first}]`);
    else zones.set(name, i);
    if (z.file !== undefined) {
      const file = posix.normalize(z.file);
      const other = files.get(file);
      if (other !== undefined) problem(at('file'), `${z.file} is also the file of dns.zones[${other}]${z.type === 'secondary' ? ': the transferred copy would overwrite it' : ''}`);
      else files.set(file, i);
    }
    if (z.type === 'primary') {
      if (z.file === undefined) problem(at('file'), 'a primary zone needs the zone file it serves');
      if (z.primaries !== undefined) problem(at('primaries'), 'a primary zone has no primaries (did you mean type "secondary"?)');
    } else if (z.primaries === undefined) {
      problem(at('primaries'), 'a secondary zone needs the primaries it transfers from');
    }
    z.primaries?.forEach((s, j) => keyRef(at('primaries', j, 'key'), s.key));
    z.notify?.forEach((s, j) => keyRef(at('notify', j, 'key'), s.key));
    z.allowTransfer.forEach((rule, j) => {
      keyRef(at('allowTransfer', j, 'key'), rule.key);
      if (rule.from === undefined && rule.key === undefined) problem(at('allowTransfer', j), 'a rule needs `from`, `key` or both (an empty rule would allow everyone)');
      rule.from?.forEach((p, k) => { if (!isPrefix(p)) problem(at('allowTransfer', j, 'from', k), `${p} is not an address or prefix`); });
    });
    z.allowUpdate.forEach((grant, j) => {
      keyRef(at('allowUpdate', j, 'key'), grant.key);
      grant.types?.forEach((t, k) => { if (!UPDATABLE_TYPES.has(t)) problem(at('allowUpdate', j, 'types', k), `${t} is not a record type that can be updated`); });
      grant.names?.forEach((n, k) => {
        if (!inZone(n.startsWith('*.') ? n.slice(2) : n, z.name)) problem(at('allowUpdate', j, 'names', k), `${n} is not in the zone ${z.name}`);
      });
    });
    if (z.type === 'secondary' && z.allowUpdate.length > 0) problem(at('allowUpdate'), 'a secondary does not apply updates itself; it forwards them to its primary (forwardUpdates)');
  });
  return problems;
}
