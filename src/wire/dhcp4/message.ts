// Small helpers over a Dhcp4Message for the server's hot path: building an empty
// message and reading the few options every request needs without decoding more.
import { FLAG_BROADCAST, Opt } from './constants.js';
import type { Dhcp4Message } from './packet.js';

/** A message with every header field zero, empty fields and no options, then `init` applied. */
export function newMessage(init: Partial<Dhcp4Message> = {}): Dhcp4Message {
  return {
    op: 0,
    htype: 0,
    hlen: 0,
    hops: 0,
    xid: 0,
    secs: 0,
    flags: 0,
    ciaddr: 0,
    yiaddr: 0,
    siaddr: 0,
    giaddr: 0,
    chaddr: EMPTY,
    sname: EMPTY,
    file: EMPTY,
    options: new Map(),
    ...init,
  };
}

const EMPTY = Buffer.alloc(0);

/** The first hlen bytes of chaddr (a view). */
export function hardwareAddress(msg: Dhcp4Message): Buffer {
  return msg.chaddr.subarray(0, Math.min(msg.hlen, msg.chaddr.length));
}

/** "00:11:22:aa:bb:cc". */
export function hardwareAddressText(msg: Dhcp4Message): string {
  const hw = hardwareAddress(msg);
  let s = '';
  for (let i = 0; i < hw.length; i++) s += (i > 0 ? ':' : '') + (hw[i]! < 16 ? '0' : '') + hw[i]!.toString(16);
  return s;
}

export function isBroadcast(msg: Dhcp4Message): boolean {
  return (msg.flags & FLAG_BROADCAST) !== 0;
}

/** Option 53's value, or undefined when absent (a BOOTP message) or not one byte. */
export function messageType(msg: Dhcp4Message): number | undefined {
  const d = msg.options.get(Opt.MESSAGE_TYPE);
  return d !== undefined && d.length === 1 ? d[0] : undefined;
}

function address(msg: Dhcp4Message, code: number): number | undefined {
  const d = msg.options.get(code);
  return d !== undefined && d.length === 4 ? d.readUInt32BE(0) : undefined;
}

/** Option 50. */
export function requestedAddress(msg: Dhcp4Message): number | undefined {
  return address(msg, Opt.REQUESTED_ADDRESS);
}

/** Option 54. */
export function serverIdentifier(msg: Dhcp4Message): number | undefined {
  return address(msg, Opt.SERVER_ID);
}

/** Option 118 (RFC 3011). */
export function subnetSelection(msg: Dhcp4Message): number | undefined {
  return address(msg, Opt.SUBNET_SELECTION);
}

/** Option 57, or undefined when absent. (Values below 576 are the client's mistake: use 576.) */
export function maxMessageSize(msg: Dhcp4Message): number | undefined {
  const d = msg.options.get(Opt.MAX_MESSAGE_SIZE);
  return d !== undefined && d.length === 2 ? d.readUInt16BE(0) : undefined;
}

/** Option 61's raw bytes (type byte included): the lease key when present. */
export function clientIdentifierBytes(msg: Dhcp4Message): Buffer | undefined {
  return msg.options.get(Opt.CLIENT_ID);
}

/** Option 55's raw bytes: one option code per byte. */
export function parameterRequestList(msg: Dhcp4Message): Buffer | undefined {
  return msg.options.get(Opt.PARAMETER_REQUEST_LIST);
}
