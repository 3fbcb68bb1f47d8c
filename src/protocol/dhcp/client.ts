// What the engine needs to know about the client behind a request, read once.
import {
  Opt, circuitId, clientFqdn, type ClientFqdn, clientIdentifierBytes, hardwareAddress, isWireDecodeError, linkSelection, parameterRequestList, remoteId,
  requestedAddress, serverIdentifier, subnetSelection, userClassesLenient, type Dhcp4Message,
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
  /** Option 81, client FQDN (RFC 4702), when sent and readable. */
  readonly fqdn?: ClientFqdn;
  readonly parameterRequestList?: Buffer;
}

/** Option 81, or undefined when absent or malformed (served as if not sent). */
function fqdnOf(data: Buffer | undefined): ClientFqdn | undefined {
  if (!data) return undefined;
  try {
    return clientFqdn.decode(data);
  } catch (error) {
    if (isWireDecodeError(error)) return undefined;
    throw error;
  }
}

const hex = (b: Buffer) => b.toString('hex');

/** Option 82's sub-options, or none when the relay sent a malformed option (it is served as unrelayed data). */
function relayInfo(data: Buffer | undefined): { circuit?: Buffer; remote?: Buffer; link?: number } {
  if (!data) return {};
  try {
    return { circuit: circuitId(data), remote: remoteId(data), link: linkSelection(data) };
  } catch (error) {
    if (isWireDecodeError(error)) return {};
    throw error;
  }
}

/** What the engine needs from a request; the key uses option 61 only when matchClientId is on. */
export function clientInfo(msg: Dhcp4Message, matchClientId = true): ClientInfo {
  const hw = hex(hardwareAddress(msg));
  const id = clientIdentifierBytes(msg);
  const relay = relayInfo(msg.options.get(Opt.RELAY_AGENT_INFO));
  const classes = msg.options.get(Opt.USER_CLASS);
  const vendor = msg.options.get(Opt.VENDOR_CLASS_ID);
  const host = msg.options.get(Opt.HOST_NAME);
  const fqdn = fqdnOf(msg.options.get(Opt.CLIENT_FQDN));
  return {
    key: matchClientId && id && id.length > 0 ? `id:${hex(id)}` : `hw:${msg.htype}:${hw}`,
    hwAddress: hw,
    clientId: id && id.length > 0 ? hex(id) : undefined,
    vendorClass: vendor?.toString('latin1'),
    userClasses: classes ? userClassesLenient(classes).map((c) => c.toString('latin1')) : [],
    circuitId: relay.circuit ? hex(relay.circuit) : undefined,
    remoteId: relay.remote ? hex(relay.remote) : undefined,
    linkSelection: relay.link ?? subnetSelection(msg),
    requestedAddress: requestedAddress(msg),
    serverId: serverIdentifier(msg),
    hostname: host && host.length > 0 ? host.toString('latin1').replace(/\0+$/, '') : undefined,
    ...(fqdn ? { fqdn } : {}),
    parameterRequestList: parameterRequestList(msg),
  };
}
