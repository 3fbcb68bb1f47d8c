// Building a reply and choosing where it goes (RFC 2131 §4.1, §4.3.2; RFC 3046 §2.2).
import {
  BOOTREPLY, FLAG_BROADCAST, MessageType, Opt, encode, ipv4, newMessage, type Dhcp4Message,
} from '../../wire/dhcp4/index.js';

export const BROADCAST = 0xffffffff;

export interface Destination {
  /** Address and port to send to. */
  readonly to: number;
  readonly port: number;
  /**
   * Unicast to a client that has no address yet: the sender must reach it by its
   * hardware address (an ARP entry), or broadcast on the link when it cannot.
   */
  readonly hwUnicast?: Buffer;
}

/**
 * RFC 2131 §4.1: relays at giaddr on the server port; NAKs broadcast; ciaddr unicast;
 * broadcast bit; else yiaddr by hardware address. Clients listen on the server port + 1.
 */
export function destination(req: Dhcp4Message, type: number, yiaddr: number, serverPort: number): Destination {
  const clientPort = serverPort + 1;
  if (req.giaddr !== 0) return { to: req.giaddr, port: serverPort };
  if (type === MessageType.NAK) return { to: BROADCAST, port: clientPort };
  if (req.ciaddr !== 0) return { to: req.ciaddr, port: clientPort };
  if ((req.flags & FLAG_BROADCAST) !== 0 || yiaddr === 0) return { to: BROADCAST, port: clientPort };
  return { to: yiaddr, port: clientPort, hwUnicast: req.chaddr.subarray(0, req.hlen) };
}

export interface ReplyFields {
  readonly type: number;
  readonly serverId: number;
  readonly yiaddr?: number;
  readonly ciaddr?: number;
  /** Options after 53 and 54, in wire order. */
  readonly options: readonly (readonly [number, Buffer])[];
  /** NAK text for the client's log (option 56). */
  readonly message?: string;
}

/** Encodes the reply: header from the request, options 53, 54, then the rest; echoes 61 (RFC 6842) and 82 (RFC 3046) last. */
export function buildReply(req: Dhcp4Message, f: ReplyFields): Buffer {
  const options = new Map<number, Buffer>();
  options.set(Opt.MESSAGE_TYPE, Buffer.of(f.type));
  options.set(Opt.SERVER_ID, ipv4.encode(f.serverId));
  for (const [code, data] of f.options) options.set(code, data);
  if (f.message !== undefined) options.set(Opt.MESSAGE, Buffer.from(f.message, 'latin1'));
  const clientId = req.options.get(Opt.CLIENT_ID);
  if (clientId && f.type !== MessageType.NAK) options.set(Opt.CLIENT_ID, clientId);
  const relay = req.options.get(Opt.RELAY_AGENT_INFO);
  if (relay && req.giaddr !== 0) options.set(Opt.RELAY_AGENT_INFO, relay);
  const nakViaRelay = f.type === MessageType.NAK && req.giaddr !== 0;
  const msg = newMessage({
    op: BOOTREPLY,
    htype: req.htype,
    hlen: req.hlen,
    xid: req.xid,
    flags: nakViaRelay ? req.flags | FLAG_BROADCAST : req.flags,
    ciaddr: f.ciaddr ?? 0,
    yiaddr: f.yiaddr ?? 0,
    giaddr: req.giaddr,
    chaddr: req.chaddr,
    options,
  });
  const asked = req.options.get(Opt.MAX_MESSAGE_SIZE);
  const max = asked && asked.length === 2 ? Math.min(Math.max(asked.readUInt16BE(0), 576), 1472) : 576;
  return encode(msg, { maxLength: max });
}
