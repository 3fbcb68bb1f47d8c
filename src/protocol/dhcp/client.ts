// What the engine needs to know about the client behind a request, read once.
import {
  Opt, RelayAgentSubOpt, clientIdentifierBytes, hardwareAddress, parameterRequestList, requestedAddress,
  serverIdentifier, subnetSelection, type Dhcp4Message,
} from '../../wire/dhcp4/index.js';

export interface ClientInfo {
  /** The lease key: option 61 when present, else the hardware address (RFC 2131 §4.2). */
  readonly key: string;
  readonly hwAddress: string;
  readonly clientId?: string;
  readonly vendorClass?: string;
  readonly userClasses: readonly string[];
  readonly circuitId?: string;
  readonly remoteId?: string;
  /** RFC 3527 link selection, else RFC 3011 subnet selection. */
  readonly linkSelection?: number;
  readonly requestedAddress?: number;
  readonly serverId?: number;
  readonly hostname?: string;
  readonly parameterRequestList?: Buffer;
}

const hex = (b: Buffer) => b.toString('hex');

function subOptions(data: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let i = 0; i + 2 <= data.length;) {
    const code = data[i]!;
    const len = data[i + 1]!;
    if (i + 2 + len > data.length) break; // malformed tail: keep what was whole
    if (!out.has(code)) out.set(code, data.subarray(i + 2, i + 2 + len));
    i += 2 + len;
  }
  return out;
}

/** RFC 3004 user classes: length-prefixed strings; a single unprefixed string is taken whole (common misuse). */
function userClasses(data: Buffer | undefined): string[] {
  if (!data || data.length === 0) return [];
  const out: string[] = [];
  for (let i = 0; i < data.length;) {
    const len = data[i]!;
    if (len === 0 || i + 1 + len > data.length) return [data.toString('latin1')];
    out.push(data.toString('latin1', i + 1, i + 1 + len));
    i += 1 + len;
  }
  return out;
}

/** What the engine needs from a request; the key uses option 61 only when matchClientId is on. */
export function clientInfo(msg: Dhcp4Message, matchClientId = true): ClientInfo {
  const hw = hex(hardwareAddress(msg));
  const id = clientIdentifierBytes(msg);
  const relay = msg.options.get(Opt.RELAY_AGENT_INFO);
  const sub = relay ? subOptions(relay) : undefined;
  const link = sub?.get(RelayAgentSubOpt.LINK_SELECTION);
  const vendor = msg.options.get(Opt.VENDOR_CLASS_ID);
  const host = msg.options.get(Opt.HOST_NAME);
  const circuit = sub?.get(RelayAgentSubOpt.CIRCUIT_ID);
  const remote = sub?.get(RelayAgentSubOpt.REMOTE_ID);
  return {
    key: matchClientId && id && id.length > 0 ? `id:${hex(id)}` : `hw:${msg.htype}:${hw}`,
    hwAddress: hw,
    clientId: id && id.length > 0 ? hex(id) : undefined,
    vendorClass: vendor?.toString('latin1'),
    userClasses: userClasses(msg.options.get(Opt.USER_CLASS)),
    circuitId: circuit ? hex(circuit) : undefined,
    remoteId: remote ? hex(remote) : undefined,
    linkSelection: link && link.length === 4 ? link.readUInt32BE(0) : subnetSelection(msg),
    requestedAddress: requestedAddress(msg),
    serverId: serverIdentifier(msg),
    hostname: host && host.length > 0 ? host.toString('latin1').replace(/\0+$/, '') : undefined,
    parameterRequestList: parameterRequestList(msg),
  };
}
