// Building blocks for DHCPv4 engine tests: a compiled model from a few lines, and
// requests as real clients send them (encoded and decoded by the real codec).
import {
  BOOTREQUEST, FLAG_BROADCAST, HTYPE_ETHERNET, MessageType, Opt, decode, encode, ipv4FromString, newMessage, type Dhcp4Message,
} from '../../src/wire/dhcp4/index.js';
import { EMPTY_LAYER, type ClassModel, type DhcpModel, type OptionLayer, type PoolModel, type ReservationModel, type SubnetModel } from '../../src/protocol/dhcp/model.js';
import type { Arrival } from '../../src/protocol/dhcp/engine.js';
import type { DdnsSettings } from '../../src/config/ddns-effective.js';

export const ip = (s: string) => ipv4FromString(s);

export function layer(entries: [number, Buffer][] = [], alwaysSend: number[] = []): OptionLayer {
  return { data: new Map(entries), alwaysSend: new Set(alwaysSend) };
}

export const addr = (...a: string[]) => Buffer.concat(a.map((x) => { const b = Buffer.alloc(4); b.writeUInt32BE(ip(x)); return b; }));

export function subnet(o: {
  id: number; cidr: string; pools: (string | { range: string; onlyClasses?: string[]; options?: OptionLayer })[];
  reservations?: ReservationModel[]; excluded?: string[]; options?: OptionLayer; serverId?: string; leaseTime?: number; ddns?: DdnsSettings;
}): SubnetModel {
  const [net, len] = o.cidr.split('/');
  const prefixLength = Number(len);
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  const network = (ip(net!) & mask) >>> 0;
  const pools: PoolModel[] = o.pools.map((p) => {
    const spec = typeof p === 'string' ? { range: p } : p;
    const [first, last] = spec.range.split('-').map((x) => ip(x.trim()));
    return { first: first!, last: last!, options: spec.options ?? EMPTY_LAYER, ...(spec.onlyClasses ? { onlyClasses: spec.onlyClasses } : {}) };
  });
  const leaseTime = o.leaseTime ?? 3600;
  const s: SubnetModel = {
    id: o.id, network, prefixLength, mask, broadcast: (network | ~mask) >>> 0, pools,
    excluded: (o.excluded ?? []).map(ip).sort((a, b) => a - b).map((a) => ({ first: a, last: a })), reservations: o.reservations ?? [],
    leaseTime, renewTime: Math.floor(leaseTime / 2), rebindTime: Math.floor((leaseTime * 7) / 8),
    options: o.options ?? EMPTY_LAYER, sharedWith: [], relayAddresses: [],
    ...(o.serverId ? { serverId: ip(o.serverId) } : {}),
    ...(o.ddns ? { ddns: o.ddns } : {}),
  };
  s.sharedWith = [s];
  return s;
}

export function model(o: { subnets: SubnetModel[]; interfaces?: Record<string, number[]>; classes?: ClassModel[]; authoritative?: boolean; global?: OptionLayer; offerHoldMs?: number; declineProbation?: number }): DhcpModel {
  const byId = new Map(o.subnets.map((s) => [s.id, s]));
  const interfaces = new Map(Object.entries(o.interfaces ?? { eth0: o.subnets.map((s) => s.id) }).map(([name, ids]) => [name, { name, subnets: ids.map((id) => byId.get(id)!) }]));
  return {
    subnets: o.subnets, interfaces, classes: o.classes ?? [], globalOptions: o.global ?? EMPTY_LAYER,
    port: 67, matchClientId: true, authoritative: o.authoritative ?? true, offerHoldMs: o.offerHoldMs ?? 30_000, declineProbation: o.declineProbation ?? 86_400,
  };
}

let xid = 1;

export interface RequestSpec {
  type: number;
  mac?: string;
  clientId?: Buffer;
  broadcast?: boolean;
  ciaddr?: string;
  giaddr?: string;
  requested?: string;
  serverId?: string;
  prl?: number[];
  vendorClass?: string;
  hostname?: string;
  relayAgent?: Buffer;
  extra?: [number, Buffer][];
}

/** A request as a client sends it, through the real encoder and decoder. */
export function request(r: RequestSpec): Dhcp4Message {
  const options = new Map<number, Buffer>([[Opt.MESSAGE_TYPE, Buffer.of(r.type)]]);
  if (r.clientId) options.set(Opt.CLIENT_ID, r.clientId);
  if (r.requested) options.set(Opt.REQUESTED_ADDRESS, addr(r.requested));
  if (r.serverId) options.set(Opt.SERVER_ID, addr(r.serverId));
  if (r.prl) options.set(Opt.PARAMETER_REQUEST_LIST, Buffer.from(r.prl));
  if (r.vendorClass) options.set(Opt.VENDOR_CLASS_ID, Buffer.from(r.vendorClass));
  if (r.hostname) options.set(Opt.HOST_NAME, Buffer.from(r.hostname));
  for (const [c, d] of r.extra ?? []) options.set(c, d);
  if (r.relayAgent) options.set(Opt.RELAY_AGENT_INFO, r.relayAgent);
  const mac = Buffer.from((r.mac ?? '02:00:00:00:00:01').replace(/:/g, ''), 'hex');
  const msg = newMessage({
    op: BOOTREQUEST, htype: HTYPE_ETHERNET, hlen: 6, xid: xid++, flags: r.broadcast ? FLAG_BROADCAST : 0,
    ciaddr: r.ciaddr ? ip(r.ciaddr) : 0, giaddr: r.giaddr ? ip(r.giaddr) : 0, chaddr: mac, options,
  });
  return decode(encode(msg));
}

export const broadcastOn = (iface = 'eth0'): Arrival => ({ interface: iface, localAddress: 0xffffffff, broadcast: true });
export const unicastTo = (address: string, iface = 'eth0'): Arrival => ({ interface: iface, localAddress: ip(address), broadcast: false });

export { MessageType, Opt, decode };
