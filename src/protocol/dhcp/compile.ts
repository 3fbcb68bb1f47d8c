// The validated `dhcp` config section compiled into the engine's model: numbers,
// ranges, pre-rendered option bytes and class predicates. Run once per config.
import { Opt, ipv4, ipv4FromString, ipv4Mask } from '../../wire/dhcp4/index.js';
import type { DhcpClassMatch, DhcpConfig, DhcpReservation } from '../../config/dhcp-schema.js';
import { mergeOptionSets, renderDhcpOptionTables, type OptionSet } from '../../config/dhcp-options.js';
import { effectiveTimers, subnetRange } from '../../config/dhcp-validate.js';
import { ddnsSettings } from '../../config/ddns-effective.js';
import type { ClientInfo } from './client.js';
import type { AddressRange, ClassModel, DhcpModel, InterfaceModel, OptionLayer, ReservationModel, SubnetModel } from './model.js';

/** Hex digits only, lower-case: how MACs, client ids and option 82 ids are compared. */
export const hexDigits = (s: string) => s.toLowerCase().replace(/[^0-9a-f]/g, '');
const hex = hexDigits;
const textHex = (s: string) => Buffer.from(s, 'utf8').toString('hex');
function layer(set: OptionSet, extra: [number, Buffer, boolean][] = []): OptionLayer {
  const data = new Map<number, Buffer>();
  const alwaysSend = new Set<number>();
  for (const [code, data_, always] of extra) { data.set(code, data_); if (always) alwaysSend.add(code); }
  for (const o of set.values()) { data.set(o.code, o.data); if (o.alwaysSend) alwaysSend.add(o.code); }
  return { data, alwaysSend };
}

type Test = (client: ClientInfo, giaddr: number) => boolean;

function stringTest(entries: readonly { equals?: string; prefix?: string }[], value: (c: ClientInfo) => readonly string[]): Test {
  return (c) => value(c).some((v) => entries.some((e) => (e.equals !== undefined ? v === e.equals : v.startsWith(e.prefix ?? ''))));
}

function bytesTest(entries: readonly { equals?: string; prefix?: string; hex?: string; hexPrefix?: string }[], value: (c: ClientInfo) => string | undefined): Test {
  const wanted = entries.map((e) => (e.equals !== undefined ? { whole: true, h: textHex(e.equals) }
    : e.hex !== undefined ? { whole: true, h: hex(e.hex) }
      : { whole: false, h: e.prefix !== undefined ? textHex(e.prefix) : hex(e.hexPrefix ?? '') }));
  return (c) => {
    const v = value(c);
    return v !== undefined && wanted.some((w) => (w.whole ? v === w.h : v.startsWith(w.h)));
  };
}

function networkTest(entries: readonly string[]): Test {
  const nets = entries.map((e) => (e.includes('/') ? subnetRange(e) : { start: ipv4FromString(e), end: ipv4FromString(e) }));
  return (_c, giaddr) => giaddr !== 0 && nets.some((n) => giaddr >= n.start && giaddr <= n.end);
}

/** Every criterion given must match; within one, any entry. No criteria: the class is given by reservations only. */
export function classPredicate(m: DhcpClassMatch | undefined): Test {
  if (!m) return () => false;
  const tests: Test[] = [];
  if (m.vendorClass) tests.push(stringTest(m.vendorClass, (c) => (c.vendorClass === undefined ? [] : [c.vendorClass])));
  if (m.macOui) { const ouis = m.macOui.map(hex); tests.push((c) => ouis.some((o) => c.hwAddress.startsWith(o))); }
  if (m.userClass) tests.push(stringTest(m.userClass, (c) => c.userClasses));
  if (m.circuitId) tests.push(bytesTest(m.circuitId, (c) => c.circuitId));
  if (m.remoteId) tests.push(bytesTest(m.remoteId, (c) => c.remoteId));
  if (m.giaddr) tests.push(networkTest(m.giaddr));
  if (tests.length === 0) return () => false;
  return (c, g) => tests.every((t) => t(c, g));
}

function reservation(r: DhcpReservation, options: OptionSet): ReservationModel {
  const hostname: [number, Buffer, boolean][] = r.hostname ? [[Opt.HOST_NAME, Buffer.from(r.hostname.replace(/\.$/, ''), 'latin1'), true]] : [];
  return {
    ...(r.address ? { address: ipv4FromString(r.address) } : {}),
    ...(r.hwAddress ? { hwAddress: hex(r.hwAddress) } : {}),
    ...(r.clientId ? { clientId: hex(r.clientId) } : {}),
    ...(r.circuitId ? { circuitId: textHex(r.circuitId) } : r.circuitIdHex ? { circuitId: hex(r.circuitIdHex) } : {}),
    ...(r.remoteId ? { remoteId: textHex(r.remoteId) } : r.remoteIdHex ? { remoteId: hex(r.remoteIdHex) } : {}),
    ...(r.hostname ? { hostname: r.hostname } : {}),
    ...(r.classes ? { classes: r.classes } : {}),
    options: layer(options, hostname),
  };
}

function mergeRanges(ranges: AddressRange[]): AddressRange[] {
  const sorted = [...ranges].sort((a, b) => a.first - b.first);
  const out: AddressRange[] = [];
  for (const r of sorted) {
    const last = out.at(-1);
    if (last && r.first <= last.last + 1) out[out.length - 1] = { first: last.first, last: Math.max(last.last, r.last) };
    else out.push(r);
  }
  return out;
}

/** Compiles a validated `dhcp` section. The config checks guarantee it renders without problems. */
export function compileDhcp(dhcp: DhcpConfig): DhcpModel {
  const { tables, problems } = renderDhcpOptionTables(dhcp);
  if (problems.length > 0) throw new Error(`dhcp config not validated: ${problems[0]!.path}: ${problems[0]!.reason}`);
  const serverId = dhcp.serverIdentifier ? ipv4FromString(dhcp.serverIdentifier) : undefined;
  const subnets: SubnetModel[] = dhcp.subnets.map((s, i) => {
    const range = subnetRange(s.subnet);
    const mask = ipv4Mask(range.prefix);
    const timers = effectiveTimers(dhcp, s);
    const sets = tables.subnets[i]!;
    const shared = s.sharedNetwork ? tables.sharedNetworks.get(s.sharedNetwork) : undefined;
    const reservations = s.reservations.map((r, j) => reservation(r, sets.reservations[j]!));
    const ddns = ddnsSettings(dhcp.ddns, s, timers.leaseTime);
    const excluded = mergeRanges([
      { first: range.start, last: range.start }, { first: range.end, last: range.end },
      ...s.exclusions.map((e) => ({ first: ipv4FromString(e.start), last: ipv4FromString(e.end ?? e.start) })),
      ...reservations.flatMap((r) => (r.address !== undefined ? [{ first: r.address, last: r.address }] : [])),
    ]);
    return {
      id: s.id, network: range.start, prefixLength: range.prefix, mask, broadcast: range.end,
      pools: s.pools.map((p, j) => ({
        first: ipv4FromString(p.start), last: ipv4FromString(p.end), options: layer(sets.pools[j]!),
        ...(p.classes ? { onlyClasses: p.classes } : {}),
      })),
      excluded, reservations,
      leaseTime: timers.leaseTime, renewTime: timers.renewTime, rebindTime: timers.rebindTime,
      options: layer(mergeOptionSets(shared, sets.subnet), [[Opt.BROADCAST_ADDRESS, ipv4.encode(range.end), false]]),
      ...(s.classes ? { onlyClasses: s.classes } : {}),
      relayAddresses: (s.relayAddresses ?? []).map(ipv4FromString),
      sharedWith: [],
      ...(serverId !== undefined ? { serverId } : {}),
      ...(s.interface ? { interface: s.interface } : {}),
      ...(ddns ? { ddns } : {}),
    };
  });
  for (const [i, s] of subnets.entries()) {
    const network = dhcp.subnets[i]!.sharedNetwork;
    s.sharedWith = network === undefined ? [s] : subnets.filter((_, j) => dhcp.subnets[j]!.sharedNetwork === network);
  }
  const interfaces = new Map<string, InterfaceModel>(dhcp.interfaces.map((f) => [f.name, {
    name: f.name,
    ...(f.address ? { address: ipv4FromString(f.address) } : {}),
    subnets: subnets.filter((s) => s.interface === f.name),
  }]));
  const classes: ClassModel[] = dhcp.classes.map((c) => ({ name: c.name, matches: classPredicate(c.match), options: layer(tables.classes.get(c.name) ?? new Map()) }));
  return {
    subnets, interfaces, classes, globalOptions: layer(tables.global),
    port: dhcp.port, matchClientId: dhcp.matchClientId, authoritative: dhcp.authoritative,
    offerHoldMs: dhcp.offerHoldTime * 1000, declineProbation: dhcp.declineProbationTime,
    ...(dhcp.pingBeforeOffer.enabled ? { pingTimeoutMs: dhcp.pingBeforeOffer.timeoutMs } : {}),
  };
}
