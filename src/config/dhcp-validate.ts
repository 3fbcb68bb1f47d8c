// Semantic checks of the `dhcp` section: what its JSON Schema cannot say. Runs after
// the schema passed (so every value has its type, and defaults are filled in) and
// reports every problem at once, each with its JSON path and the reason:
//
//   - the section: an enabled server has subnets and interfaces; the ping timeout
//     fits in the offer hold time; T1 < T2 < lease time, globally and per subnet;
//   - interfaces, shared networks, classes: each named once; every reference exists;
//   - subnets: CIDR network-aligned (/8–/30), ids unique, no two overlap, a relay
//     address selects one subnet (or one shared network), subnets of a shared network
//     on one link;
//   - pools and exclusions: start ≤ end, inside their subnet, pools clear of the
//     network and broadcast addresses, of each other, of the subnet's routers and of
//     the server's own addresses;
//   - reservations: exactly one identifier, unique in the subnet; addresses inside the
//     subnet, unique, not the network, broadcast, router or server address; host
//     names unique in the subnet;
//   - classes: each match criterion says exactly one of equals/prefix/hex/hexPrefix;
//   - options at every level: rendered through the wire codec (dhcp-options.ts):
//     types, lengths (≤ 255 bytes per option), duplicates, templates; routers inside
//     the subnets that inherit them; the aruba template only where option 43 reaches
//     Aruba APs alone (a class matching their vendor class, or a reservation).
import { ipv4FromString, ipv4Mask, ipv4ToString } from '../wire/dhcp4/index.js';
import { alignedCidr, renderDhcpOptionTables, type DhcpOptionTables, type RenderedOption } from './dhcp-options.js';
import { DEFAULT_T1_FRACTION, DEFAULT_T2_FRACTION, type DhcpConfig, type DhcpSubnet } from './dhcp-schema.js';
import { jsonPath, type ConfigProblem } from './problem.js';

type Seg = string | number;

/** Prefix lengths a subnet may have. */
export const MIN_SUBNET_PREFIX = 8;
export const MAX_SUBNET_PREFIX = 30;

interface Range {
  readonly start: number;
  readonly end: number;
}

/** A subnet's network as numbers: [network, broadcast]. */
export function subnetRange(cidr: string): Range & { readonly prefix: number } {
  const [addr, len] = cidr.split('/') as [string, string];
  const prefix = Number(len);
  const mask = ipv4Mask(prefix);
  const start = (ipv4FromString(addr) & mask) >>> 0;
  return { start, end: (start | ~mask) >>> 0, prefix };
}

function inside(r: Range, a: number): boolean {
  return a >= r.start && a <= r.end;
}

function overlap(a: Range, b: Range): boolean {
  return a.start <= b.end && b.start <= a.end;
}

function rangeText(r: Range): string {
  return r.start === r.end ? ipv4ToString(r.start) : `${ipv4ToString(r.start)}–${ipv4ToString(r.end)}`;
}

/** T1, T2 and lease time of a subnet (or the global ones without a subnet), defaults applied, in seconds. */
export function effectiveTimers(dhcp: Pick<DhcpConfig, 'leaseTime' | 'renewTime' | 'rebindTime'>, subnet?: Pick<DhcpSubnet, 'leaseTime' | 'renewTime' | 'rebindTime'>): { leaseTime: number; renewTime: number; rebindTime: number } {
  const leaseTime = subnet?.leaseTime ?? dhcp.leaseTime;
  return {
    leaseTime,
    renewTime: subnet?.renewTime ?? dhcp.renewTime ?? Math.floor(leaseTime * DEFAULT_T1_FRACTION),
    rebindTime: subnet?.rebindTime ?? dhcp.rebindTime ?? Math.floor(leaseTime * DEFAULT_T2_FRACTION),
  };
}

/** Identifier keys of a reservation; exactly one is given. */
const IDENTIFIERS = ['hwAddress', 'clientId', 'circuitId', 'circuitIdHex', 'remoteId', 'remoteIdHex'] as const;

/** A reservation identifier in a form two spellings of the same value share. */
function identifierKey(kind: (typeof IDENTIFIERS)[number], value: string): string {
  switch (kind) {
    case 'hwAddress': case 'clientId': case 'circuitIdHex': case 'remoteIdHex':
      return value.replace(/[:-]/g, '').toLowerCase();
    case 'circuitId': case 'remoteId':
      return Buffer.from(value, 'ascii').toString('hex');
  }
}

/** The family an identifier is unique in: text and hex spellings of one sub-option are compared together. */
function identifierFamily(kind: (typeof IDENTIFIERS)[number]): string {
  return kind === 'circuitIdHex' ? 'circuitId' : kind === 'remoteIdHex' ? 'remoteId' : kind;
}

class Checker {
  readonly problems: ConfigProblem[] = [];

  problem(at: readonly Seg[] | string, reason: string): void {
    this.problems.push({ code: 'CONFIG_INVALID', path: typeof at === 'string' ? at : jsonPath(at), reason });
  }
}

/** Problems of a schema-valid `dhcp` section; empty when it is sound. */
export function validateDhcp(dhcp: DhcpConfig): ConfigProblem[] {
  const c = new Checker();
  const D: Seg[] = ['dhcp'];

  // --- the section --------------------------------------------------------
  if (dhcp.enabled && dhcp.subnets.length === 0) c.problem([...D, 'subnets'], 'an enabled DHCP server needs at least one subnet');
  if (dhcp.enabled && dhcp.interfaces.length === 0) c.problem([...D, 'interfaces'], 'an enabled DHCP server needs at least one interface to listen on');
  if (dhcp.pingBeforeOffer.enabled && dhcp.pingBeforeOffer.timeoutMs >= dhcp.offerHoldTime * 1000) {
    c.problem([...D, 'pingBeforeOffer', 'timeoutMs'], `must be shorter than the offer hold time (offerHoldTime: ${dhcp.offerHoldTime} s)`);
  }
  checkTimers(c, dhcp, undefined, D);

  // --- interfaces -----------------------------------------------------------
  const interfaces = new Map<string, number>();
  const serverAddresses = new Map<number, Seg[]>();
  dhcp.interfaces.forEach((ifc, i) => {
    const at = [...D, 'interfaces', i];
    const first = interfaces.get(ifc.name);
    if (first !== undefined) c.problem([...at, 'name'], `${ifc.name} is already listed at ${jsonPath([...D, 'interfaces', first])}: name each interface once`);
    else interfaces.set(ifc.name, i);
    if (ifc.address !== undefined) {
      const a = ipv4FromString(ifc.address);
      const other = serverAddresses.get(a);
      if (other !== undefined) c.problem([...at, 'address'], `${ifc.address} is already the address of ${jsonPath(other)}`);
      else serverAddresses.set(a, at);
    }
  });
  if (dhcp.serverIdentifier !== undefined) {
    const a = ipv4FromString(dhcp.serverIdentifier);
    if (!serverAddresses.has(a)) serverAddresses.set(a, [...D, 'serverIdentifier']);
  }

  // --- shared networks and classes -------------------------------------------
  const sharedNetworks = new Map<string, number>();
  dhcp.sharedNetworks.forEach((n, i) => {
    const first = sharedNetworks.get(n.name);
    if (first !== undefined) c.problem([...D, 'sharedNetworks', i, 'name'], `${n.name} is already the name of ${jsonPath([...D, 'sharedNetworks', first])}`);
    else sharedNetworks.set(n.name, i);
  });

  const classes = new Map<string, number>();
  dhcp.classes.forEach((cls, i) => {
    const at = [...D, 'classes', i];
    const first = classes.get(cls.name);
    if (first !== undefined) c.problem([...at, 'name'], `${cls.name} is already the name of ${jsonPath([...D, 'classes', first])}`);
    else classes.set(cls.name, i);
    const m = cls.match;
    if (m === undefined) return;
    const criteria = Object.keys(m);
    if (criteria.length === 0) c.problem([...at, 'match'], 'has no criterion and matches no client: leave match out for a class given by reservations only');
    for (const key of ['vendorClass', 'userClass'] as const) {
      m[key]?.forEach((e, j) => {
        if (Object.keys(e).length !== 1) c.problem([...at, 'match', key, j], 'give exactly one of equals, prefix');
      });
    }
    for (const key of ['circuitId', 'remoteId'] as const) {
      m[key]?.forEach((e, j) => {
        if (Object.keys(e).length !== 1) c.problem([...at, 'match', key, j], 'give exactly one of equals, prefix, hex, hexPrefix');
      });
    }
    m.giaddr?.forEach((g, j) => {
      if (!g.includes('/')) return;
      const { start, prefix } = subnetRange(g);
      if (start !== ipv4FromString(g.split('/')[0]!)) c.problem([...at, 'match', 'giaddr', j], `${g} is not a network address: did you mean ${alignedCidr(start, prefix)}?`);
    });
  });

  const classRefs = (list: readonly string[] | undefined, at: Seg[]) => {
    list?.forEach((name, i) => {
      if (!classes.has(name)) c.problem([...at, i], `no client class is named ${name} (dhcp.classes)`);
      else if (list.indexOf(name) !== i) c.problem([...at, i], `${name} is listed twice`);
    });
  };

  // --- options at every level -------------------------------------------------
  const { tables, problems: optionProblems } = renderDhcpOptionTables(dhcp);
  c.problems.push(...optionProblems);
  checkArubaPlacement(c, dhcp);

  // --- subnets ----------------------------------------------------------------
  const ids = new Map<number, number>();
  const ranges: { index: number; range: Range }[] = [];
  const relayOwners = new Map<number, { index: number; sharedNetwork: string | undefined }>();
  const linkOfSharedNetwork = new Map<string, { index: number; iface: string | undefined }>();
  const reservedAddresses = new Map<number, Seg[]>();

  dhcp.subnets.forEach((s, i) => {
    const at = [...D, 'subnets', i];
    const firstId = ids.get(s.id);
    if (firstId !== undefined) c.problem([...at, 'id'], `${s.id} is already the id of ${jsonPath([...D, 'subnets', firstId])} (${dhcp.subnets[firstId]!.subnet})`);
    else ids.set(s.id, i);

    const net = subnetRange(s.subnet);
    let cidrOk = true;
    if (net.prefix < MIN_SUBNET_PREFIX || net.prefix > MAX_SUBNET_PREFIX) {
      c.problem([...at, 'subnet'], `/${net.prefix} is not served: a subnet's prefix must be /${MIN_SUBNET_PREFIX} to /${MAX_SUBNET_PREFIX}`);
      cidrOk = false;
    }
    if (net.start !== ipv4FromString(s.subnet.split('/')[0]!)) {
      c.problem([...at, 'subnet'], `${s.subnet} is not a network address: did you mean ${alignedCidr(net.start, net.prefix)}?`);
      cidrOk = false;
    }
    if (cidrOk) ranges.push({ index: i, range: net });

    if (s.interface !== undefined && !interfaces.has(s.interface)) c.problem([...at, 'interface'], `${s.interface} is not one of dhcp.interfaces: add it there`);
    if (s.sharedNetwork !== undefined) {
      if (!sharedNetworks.has(s.sharedNetwork)) c.problem([...at, 'sharedNetwork'], `no shared network is named ${s.sharedNetwork} (dhcp.sharedNetworks)`);
      const link = linkOfSharedNetwork.get(s.sharedNetwork);
      if (link === undefined) linkOfSharedNetwork.set(s.sharedNetwork, { index: i, iface: s.interface });
      else if (link.iface !== s.interface) {
        const want = link.iface === undefined ? 'must be left out' : `must be ${link.iface}`;
        c.problem([...at, 'interface'], `${want}, as in ${jsonPath([...D, 'subnets', link.index])}: the subnets of shared network ${s.sharedNetwork} share one link`);
      }
    }
    classRefs(s.classes, [...at, 'classes']);
    checkTimers(c, dhcp, s, at);

    s.relayAddresses?.forEach((r, j) => {
      const a = ipv4FromString(r);
      const owner = relayOwners.get(a);
      if (owner === undefined) relayOwners.set(a, { index: i, sharedNetwork: s.sharedNetwork });
      else if (owner.index === i) c.problem([...at, 'relayAddresses', j], `${r} is listed twice`);
      else if (owner.sharedNetwork === undefined || owner.sharedNetwork !== s.sharedNetwork) {
        c.problem([...at, 'relayAddresses', j], `${r} already selects ${jsonPath([...D, 'subnets', owner.index])}: a relay address selects one subnet, or the subnets of one shared network`);
      }
    });

    if (!cidrOk) return;
    const hosts = net.prefix <= 30 ? { start: net.start + 1, end: net.end - 1 } : net;
    const routers = routersOf(tables, i, s);
    for (const r of routers) {
      if (!inside(net, r.address)) c.problem(r.source, `${ipv4ToString(r.address)} is not inside subnet ${s.subnet} (${jsonPath(at)}${r.inherited ? ', which inherits it' : ''}): clients could not reach it`);
    }

    // exclusions
    const exclusions: Range[] = [];
    s.exclusions.forEach((e, j) => {
      const eat = [...at, 'exclusions', j];
      const r = { start: ipv4FromString(e.start), end: ipv4FromString(e.end ?? e.start) };
      if (r.start > r.end) return c.problem([...eat, 'end'], `${e.end} comes before start ${e.start}`);
      if (!inside(net, r.start) || !inside(net, r.end)) return c.problem(eat, `${rangeText(r)} is not inside subnet ${s.subnet}`);
      exclusions.push(r);
    });
    const excluded = (a: number) => exclusions.some((r) => inside(r, a));

    // pools
    const pools: { index: number; range: Range }[] = [];
    s.pools.forEach((p, j) => {
      const pat = [...at, 'pools', j];
      const r = { start: ipv4FromString(p.start), end: ipv4FromString(p.end) };
      classRefs(p.classes, [...pat, 'classes']);
      if (r.start > r.end) return c.problem([...pat, 'end'], `${p.end} comes before start ${p.start}`);
      if (!inside(net, r.start) || !inside(net, r.end)) return c.problem(pat, `${rangeText(r)} is not inside subnet ${s.subnet}`);
      if (inside(r, net.start)) return c.problem([...pat, 'start'], `the pool includes ${ipv4ToString(net.start)}, the network address of ${s.subnet}: start at ${ipv4ToString(hosts.start)} or later`);
      if (inside(r, net.end)) return c.problem([...pat, 'end'], `the pool includes ${ipv4ToString(net.end)}, the broadcast address of ${s.subnet}: end at ${ipv4ToString(hosts.end)} or earlier`);
      const clash = pools.find((q) => overlap(q.range, r));
      if (clash) return c.problem(pat, `${rangeText(r)} overlaps ${jsonPath([...at, 'pools', clash.index])} (${rangeText(clash.range)})`);
      pools.push({ index: j, range: r });
      for (const rt of routers) {
        if (inside(r, rt.address) && !excluded(rt.address)) c.problem(pat, `the pool includes the router ${ipv4ToString(rt.address)} (${rt.source}): exclude it or shrink the pool`);
      }
      for (const [a, where] of serverAddresses) {
        if (inside(r, a) && !excluded(a)) c.problem(pat, `the pool includes ${ipv4ToString(a)}, the server's own address (${jsonPath(where)}): exclude it or shrink the pool`);
      }
    });

    // reservations
    const identifiers = new Map<string, number>();
    const hostnames = new Map<string, number>();
    s.reservations.forEach((h, j) => {
      const hat = [...at, 'reservations', j];
      classRefs(h.classes, [...hat, 'classes']);
      const given = IDENTIFIERS.filter((k) => h[k] !== undefined);
      if (given.length !== 1) {
        c.problem(hat, given.length === 0
          ? 'needs an identifier: one of hwAddress, clientId, circuitId, circuitIdHex, remoteId, remoteIdHex'
          : `has ${given.length} identifiers (${given.join(', ')}): give exactly one`);
      } else {
        const kind = given[0]!;
        const key = `${identifierFamily(kind)}=${identifierKey(kind, h[kind]!)}`;
        const first = identifiers.get(key);
        if (first !== undefined) c.problem([...hat, kind], `${h[kind]} is already reserved by ${jsonPath([...at, 'reservations', first])}`);
        else identifiers.set(key, j);
      }
      if (h.hostname !== undefined) {
        const k = h.hostname.toLowerCase().replace(/\.$/, '');
        const first = hostnames.get(k);
        if (first !== undefined) c.problem([...hat, 'hostname'], `${h.hostname} is already the host name of ${jsonPath([...at, 'reservations', first])}`);
        else hostnames.set(k, j);
      }
      if (h.address === undefined) return;
      const a = ipv4FromString(h.address);
      const aat = [...hat, 'address'];
      if (!inside(net, a)) return c.problem(aat, `${h.address} is not inside subnet ${s.subnet}`);
      if (net.prefix <= 30 && (a === net.start || a === net.end)) return c.problem(aat, `${h.address} is the ${a === net.start ? 'network' : 'broadcast'} address of ${s.subnet}`);
      const rt = routers.find((r) => r.address === a);
      if (rt) return c.problem(aat, `${h.address} is the router (${rt.source})`);
      const server = serverAddresses.get(a);
      if (server) return c.problem(aat, `${h.address} is the server's own address (${jsonPath(server)})`);
      const first = reservedAddresses.get(a);
      if (first !== undefined) return c.problem(aat, `${h.address} is already reserved by ${jsonPath(first)}`);
      reservedAddresses.set(a, hat);
    });
  });

  // subnets must not overlap: sorted by start, each must begin after every earlier one ends.
  ranges.sort((a, b) => a.range.start - b.range.start || a.index - b.index);
  let widest: { index: number; range: Range } | undefined;
  const overlaps: [number, number][] = [];
  for (const r of ranges) {
    if (widest !== undefined && r.range.start <= widest.range.end) overlaps.push([Math.max(r.index, widest.index), Math.min(r.index, widest.index)]);
    if (widest === undefined || r.range.end > widest.range.end) widest = r;
  }
  overlaps.sort((a, b) => a[0] - b[0]);
  for (const [later, earlier] of overlaps) {
    c.problem([...D, 'subnets', later, 'subnet'], `${dhcp.subnets[later]!.subnet} overlaps ${jsonPath([...D, 'subnets', earlier])} (${dhcp.subnets[earlier]!.subnet})`);
  }

  return c.problems;
}

/** Checks T1 < T2 < lease time, with the defaults and what the subnet inherits; blames the most specific key. */
function checkTimers(c: Checker, dhcp: DhcpConfig, subnet: DhcpSubnet | undefined, at: Seg[]): void {
  const t = effectiveTimers(dhcp, subnet);
  // Where each value comes from: set here, inherited from the global section, or a default.
  const here = (k: 'leaseTime' | 'renewTime' | 'rebindTime') => (subnet === undefined ? dhcp[k] !== undefined : subnet[k] !== undefined);
  const origin = (k: 'leaseTime' | 'renewTime' | 'rebindTime'): string => {
    if (here(k)) return `${t[k]} s`;
    if (subnet !== undefined && dhcp[k] !== undefined) return `${t[k]} s, inherited from dhcp.${k}`;
    return `${t[k]} s by default, ${k === 'renewTime' ? '50%' : '87.5%'} of the lease time`;
  };
  const pairs: ['renewTime' | 'rebindTime', 'rebindTime' | 'leaseTime'][] = [['renewTime', 'leaseTime'], ['rebindTime', 'leaseTime'], ['renewTime', 'rebindTime']];
  for (const [lo, hi] of pairs) {
    if (t[lo] < t[hi]) continue;
    if (!here(lo) && !here(hi)) continue; // both inherited: reported at the global section
    const blame = here(lo) ? lo : hi;
    const label = (k: string) => (k === 'renewTime' ? 'renew time T1' : k === 'rebindTime' ? 'rebind time T2' : 'lease time');
    const reason = blame === lo
      ? `must be less than the ${label(hi)} (${origin(hi)})`
      : `must be more than the ${label(lo)} (${origin(lo)})`;
    c.problem([...at, blame], reason);
    return;
  }
}

interface RouterUse {
  readonly address: number;
  /** JSON path of the key that set it. */
  readonly source: string;
  /** Set above the subnet (global or shared network). */
  readonly inherited: boolean;
}

/** The routers (option 3) a subnet's clients get from the subnet, shared network or global level, and those its pools and reservations set. */
function routersOf(tables: DhcpOptionTables, index: number, s: DhcpSubnet): RouterUse[] {
  const own = tables.subnets[index]!;
  const shared = s.sharedNetwork === undefined ? undefined : tables.sharedNetworks.get(s.sharedNetwork);
  const out: RouterUse[] = [];
  const add = (o: RenderedOption | undefined, inherited: boolean) => {
    if (o === undefined) return;
    for (let i = 0; i + 4 <= o.data.length; i += 4) out.push({ address: o.data.readUInt32BE(i), source: o.source, inherited });
  };
  const ownRouters = own.subnet.get(3);
  add(ownRouters ?? shared?.get(3) ?? tables.global.get(3), ownRouters === undefined);
  for (const set of [...own.pools, ...own.reservations]) add(set.get(3), false);
  return out;
}

/** The aruba template's option 43 must reach Aruba APs only: in a class that matches their vendor class, or in a reservation. */
function checkArubaPlacement(c: Checker, dhcp: DhcpConfig): void {
  const advice = 'option 43 means something else to every vendor: put the aruba template in a client class that matches the APs\' vendor class (match.vendorClass), or in a reservation';
  const at = (...segs: Seg[]) => [...segs, 'options', 'aruba'];
  if (dhcp.options?.aruba) c.problem(at('dhcp'), advice);
  dhcp.sharedNetworks.forEach((n, i) => { if (n.options?.aruba) c.problem(at('dhcp', 'sharedNetworks', i), advice); });
  dhcp.subnets.forEach((s, i) => {
    if (s.options?.aruba) c.problem(at('dhcp', 'subnets', i), advice);
    s.pools.forEach((p, j) => { if (p.options?.aruba) c.problem(at('dhcp', 'subnets', i, 'pools', j), advice); });
  });
  dhcp.classes.forEach((cls, i) => {
    const t = cls.options?.aruba;
    if (!t) return;
    const vc = t.vendorClass;
    const matchers = cls.match?.vendorClass;
    if (matchers === undefined) {
      c.problem(at('dhcp', 'classes', i), `class ${cls.name} must match the APs' vendor class: add match.vendorClass [{"equals": "${vc}"}]`);
      return;
    }
    const admits = matchers.some((m) => (m.equals !== undefined && m.equals === vc) || (m.prefix !== undefined && vc.startsWith(m.prefix)));
    if (!admits) c.problem([...at('dhcp', 'classes', i), 'vendorClass'], `"${vc}" is not matched by class ${cls.name}'s match.vendorClass, so it would be echoed to devices that did not send it`);
  });
}
