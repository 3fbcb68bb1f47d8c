// Semantic checks of the `failover` section: what its JSON Schema cannot say. Runs
// after the schema passed (every value typed, defaults filled in) and reports every
// problem at once, each with its JSON path and the reason. Errors:
//
//   - the section: failover replicates the dhcp server's leases, so it needs a dhcp
//     section;
//   - relationships: names unique; the role is one of the mode's two roles;
//     hot-standby and load-balancing need a partner and exactly one of key, keyFile;
//     split-scope (no communication) allows neither; a key is base64 of at least 32
//     bytes; the partner is not this server (its server.name, or its own listener);
//   - partners: one name is one server: the same partner name at two addresses or
//     ports, or two names at one address and port, is an error; the same partner in
//     several relationships is fine (many-to-one: one listener, one connection each);
//   - subnets: each is the `subnet` of a dhcp.subnets entry, as written there, listed
//     once, in at most one relationship;
//   - timers: maxClockSkew < mclt. The MCLT fences (rules 3 and 4 of the design) are
//     deadlines one server computes from times the other set; a clock skew allowed to
//     reach the MCLT would leave no margin. Other timer combinations are valid: the
//     heartbeat (suspicion), the update timeout (one client's ACK) and the
//     confirmation (takeover) are independent, and each range is bounded by the schema.
//
// Warnings (the config loads; `site check` prints them):
//
//   - FAILOVER_SPLIT_SCOPE_OVERSUBSCRIBED: a split-scope subnet whose pools this
//     server owns only a part of: if the partner is down, its share serves every
//     client of the pools (always true for split-scope: the figures are the point);
//   - FAILOVER_MANY_TO_ONE_RATIO: standby in more than 5 hot-standby relationships;
//   - FAILOVER_STANDBY_RESERVE_SMALL: in hot-standby, a pool of which the standby owns
//     fewer than 8 addresses for new clients while it serves alone.
import { ipv4FromString } from '../wire/dhcp4/index.js';
import { alignedCidr } from './dhcp-options.js';
import { subnetRange } from './dhcp-validate.js';
import { ownedRange, spanSize } from './failover-ownership.js';
import { MIN_KEY_BYTES, ROLES_OF_MODE, type FailoverRelationship } from './failover-schema.js';
import { jsonPath, type ConfigProblem } from './problem.js';
import type { SiteConfig } from './site-schema.js';

type Seg = string | number;

/** Hot-standby relationships one failover server should be standby in, at most. */
export const MAX_STANDBY_RELATIONSHIPS = 5;

/** Fewest addresses a hot-standby standby should own in a pool. */
export const MIN_STANDBY_ADDRESSES = 8;

export interface FailoverCheck {
  readonly problems: ConfigProblem[];
  readonly warnings: ConfigProblem[];
}

/** Longest key accepted, in base64 characters (768 bytes). */
export const MAX_KEY_CHARACTERS = 1024;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Bytes of a strict, padded base64 string, or undefined when it is not one. */
export function base64Length(text: string): number | undefined {
  if (!BASE64.test(text)) return undefined;
  return (text.length / 4) * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);
}

/**
 * Why a base64 text (a relationship's key, or a keyFile's contents) is not a usable
 * pre-shared key, or undefined when it is. Never quotes the text.
 */
export function keyProblem(text: string): string | undefined {
  if (text.length > MAX_KEY_CHARACTERS) return `has ${text.length} characters; a key has at most ${MAX_KEY_CHARACTERS}`;
  const bytes = base64Length(text);
  if (bytes === undefined) return 'is not valid base64 (A–Z, a–z, 0–9, + and /, padded with = to a multiple of 4 characters)';
  if (bytes < MIN_KEY_BYTES) return `decodes to ${bytes} bytes; a key must have at least ${MIN_KEY_BYTES} (e.g. openssl rand -base64 32)`;
  return undefined;
}

/** Problems and warnings of a schema-valid config's `failover` section; both empty without one. */
export function validateFailover(config: Pick<SiteConfig, 'server' | 'dhcp' | 'failover'>): FailoverCheck {
  const problems: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const failover = config.failover;
  if (failover === undefined) return { problems, warnings };
  const error = (at: readonly Seg[], reason: string) => problems.push({ code: 'CONFIG_INVALID', path: jsonPath(at), reason });
  const F: Seg[] = ['failover'];
  const R = (i: number): Seg[] => [...F, 'relationships', i];

  const dhcp = config.dhcp;
  if (dhcp === undefined) error(F, 'failover replicates the DHCP server\'s leases: add a dhcp section with the subnets it covers');
  const dhcpSubnets = new Map((dhcp?.subnets ?? []).map((s, i) => [s.subnet, i]));

  const names = new Map<string, number>();
  const subnetOwner = new Map<string, number>();
  const partnerByName = new Map<string, { index: number; address: string; port: number }>();
  const partnerByEndpoint = new Map<string, { index: number; name: string }>();
  const listen = failover.listen;

  failover.relationships.forEach((rel, i) => {
    const at = R(i);
    const first = names.get(rel.name);
    if (first !== undefined) error([...at, 'name'], `${rel.name} is already the name of ${jsonPath(R(first))}: name each relationship once`);
    else names.set(rel.name, i);

    const roles = ROLES_OF_MODE[rel.mode];
    if (!roles.includes(rel.role)) error([...at, 'role'], `${rel.role} is not a role in ${rel.mode}: use ${roles[0]} or ${roles[1]}`);

    checkPartnerAndKey(rel, at, error);

    const p = rel.partner;
    if (p !== undefined && rel.mode !== 'split-scope') {
      if (p.name === config.server.name) error([...at, 'partner', 'name'], `${p.name} is this server's own name (server.name): the partner is the other server of the relationship`);
      if (p.port === listen.port && p.address === listen.address) {
        error([...at, 'partner', 'address'], `${p.address} port ${p.port} is this server's own failover listener (failover.listen)`);
      }
      const known = partnerByName.get(p.name);
      if (known === undefined) partnerByName.set(p.name, { index: i, address: p.address, port: p.port });
      else if (known.address !== p.address) {
        error([...at, 'partner', 'address'], `partner ${p.name} is at ${known.address} in ${jsonPath(R(known.index))}: one server has one failover address`);
      } else if (known.port !== p.port) {
        error([...at, 'partner', 'port'], `partner ${p.name} listens on port ${known.port} in ${jsonPath(R(known.index))}: one server has one failover port`);
      }
      const endpoint = `${p.address}:${p.port}`;
      const other = partnerByEndpoint.get(endpoint);
      if (other === undefined) partnerByEndpoint.set(endpoint, { index: i, name: p.name });
      else if (other.name !== p.name) {
        error([...at, 'partner', 'name'], `${p.address} port ${p.port} is partner ${other.name} in ${jsonPath(R(other.index))}: one address and port is one server, with one name`);
      }
    }

    const seen = new Set<string>();
    rel.subnets.forEach((cidr, j) => {
      const sat = [...at, 'subnets', j];
      const { start, prefix } = subnetRange(cidr);
      if (start !== ipv4FromString(cidr.split('/')[0]!)) return error(sat, `${cidr} is not a network address: did you mean ${alignedCidr(start, prefix)}?`);
      if (seen.has(cidr)) return error(sat, `${cidr} is listed twice`);
      seen.add(cidr);
      if (dhcp !== undefined && !dhcpSubnets.has(cidr)) return error(sat, `${cidr} is not a subnet of dhcp.subnets: list the dhcp subnets this relationship covers, as written there`);
      const owner = subnetOwner.get(cidr);
      if (owner !== undefined) return error(sat, `${cidr} is already in relationship ${failover.relationships[owner]!.name} (${jsonPath(R(owner))}): a subnet belongs to at most one relationship`);
      subnetOwner.set(cidr, i);
    });

    if (rel.maxClockSkew >= rel.mclt) {
      error([...at, 'maxClockSkew'], `must be less than the MCLT (mclt: ${rel.mclt} s): both partners compute the MCLT deadlines of rules 3 and 4 from each other's times`);
    }
  });
  if (problems.length > 0 || dhcp === undefined) return { problems, warnings };

  // --- warnings: only for a config without errors, so their figures mean something ---
  const warn = (code: ConfigProblem['code'], at: readonly Seg[], reason: string) => warnings.push({ code, path: jsonPath(at), reason });
  let standbyIn = 0;
  failover.relationships.forEach((rel, i) => {
    const at = R(i);
    if (rel.mode === 'hot-standby' && rel.role === 'standby') standbyIn++;
    const small: { subnet: string; pool: string; owned: number }[] = [];
    rel.subnets.forEach((cidr, j) => {
      const subnet = dhcp.subnets[dhcpSubnets.get(cidr)!]!;
      let total = 0;
      let mine = 0;
      let standbyMin: { pool: string; owned: number } | undefined;
      for (const pool of subnet.pools) {
        const span = { first: ipv4FromString(pool.start), last: ipv4FromString(pool.end) };
        if (span.last < span.first) continue; // a dhcp error, reported there
        total += span.last - span.first + 1;
        mine += spanSize(ownedRange(span, rel.mode, rel.role, rel.split, rel.standbyReserve));
        if (rel.mode === 'hot-standby') {
          const owned = spanSize(ownedRange(span, rel.mode, 'standby', rel.split, rel.standbyReserve));
          if (owned < MIN_STANDBY_ADDRESSES && (standbyMin === undefined || owned < standbyMin.owned)) standbyMin = { pool: `${pool.start}–${pool.end}`, owned };
        }
      }
      if (standbyMin !== undefined) small.push({ subnet: cidr, ...standbyMin });
      if (rel.mode === 'split-scope' && total > 0 && mine < total) {
        const figures = mine === 0
          ? `this server owns none of the ${total} pool addresses of ${cidr}: its clients get no address`
          : `this server has ${mine} of the ${total} pool addresses of ${cidr} for up to ${total} clients (oversubscribed ${ratio(total, mine)}×)`;
        warn('FAILOVER_SPLIT_SCOPE_OVERSUBSCRIBED', [...at, 'subnets', j], `split-scope, ${rel.role} with split ${rel.split} %: if the partner is down, ${figures}`);
      }
    });
    if (small.length > 0) {
      const worst = small.reduce((a, b) => (b.owned < a.owned ? b : a));
      const more = small.length > 1 ? ` (and pools of ${small.length - 1} more subnet${small.length > 2 ? 's' : ''})` : '';
      warn('FAILOVER_STANDBY_RESERVE_SMALL', [...at, 'standbyReserve'],
        `the standby owns only ${worst.owned} address${worst.owned === 1 ? '' : 'es'} of pool ${worst.pool} in ${worst.subnet}${more} for new clients while it serves alone (fewer than ${MIN_STANDBY_ADDRESSES}): raise standbyReserve or widen the pool`);
    }
  });
  if (standbyIn > MAX_STANDBY_RELATIONSHIPS) {
    warn('FAILOVER_MANY_TO_ONE_RATIO', [...F, 'relationships'],
      `this server is standby in ${standbyIn} hot-standby relationships; at most ${MAX_STANDBY_RELATIONSHIPS} are recommended: when several primaries fail together (a power cut, a WAN outage) it serves all their clients alone`);
  }
  return { problems, warnings };
}

function ratio(total: number, mine: number): string {
  return (total / mine).toFixed(total % mine === 0 ? 0 : 2).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}

function checkPartnerAndKey(rel: FailoverRelationship, at: Seg[], error: (at: readonly Seg[], reason: string) => void): void {
  if (rel.mode === 'split-scope') {
    const silent = 'split-scope servers never talk to each other';
    if (rel.partner !== undefined) error([...at, 'partner'], `${silent}: leave partner out (or use hot-standby or load-balancing)`);
    if (rel.key !== undefined) error([...at, 'key'], `${silent}: leave key out`);
    if (rel.keyFile !== undefined) error([...at, 'keyFile'], `${silent}: leave keyFile out`);
    return;
  }
  if (rel.partner === undefined) error(at, `a ${rel.mode} relationship needs its partner: add partner with the partner's name and address`);
  if (rel.key === undefined && rel.keyFile === undefined) error(at, `a ${rel.mode} relationship needs the pre-shared key both partners authenticate with: give key (base64, e.g. from openssl rand -base64 32) or keyFile`);
  if (rel.key !== undefined && rel.keyFile !== undefined) error([...at, 'keyFile'], 'give key or keyFile, not both');
  if (rel.key !== undefined) {
    const problem = keyProblem(rel.key);
    if (problem !== undefined) error([...at, 'key'], problem);
  }
}
