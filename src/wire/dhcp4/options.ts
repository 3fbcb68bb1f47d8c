// The option catalogue: code → name → typed codec → the lengths decode enforces.
// Messages carry options as raw bytes (code → Buffer); typed values are decoded
// on demand through this table. Codes not listed here are kept as bytes.
import type { Codec } from '../codec.js';
import { WireDecodeError } from '../errors.js';
import { ANY_LENGTH, IPV4_LIST_RULE, bytes, exactly, i32, ipv4, ipv4List, lengthAllowed, text, u16, u32, u8, u8List, type LengthRule } from './basic-types.js';
import { classlessRoutes, type ClasslessRoute } from './classless-routes.js';
import { CLIENT_ID_RULE, clientId, type ClientId } from './client-id.js';
import { domainSearch } from './domain-search.js';
import { FQDN_RULE, clientFqdn, type ClientFqdn } from './fqdn.js';
import { relayAgentInfo } from './relay-agent.js';
import type { SubOption } from './sub-options.js';
import { userClass } from './user-class.js';

/** The typed value of each catalogued option. */
export interface Dhcp4OptionTypes {
  1: number; // subnet-mask
  2: number; // time-offset (signed seconds)
  3: number[]; // routers
  6: number[]; // domain-name-servers
  12: string; // host-name
  15: string; // domain-name
  26: number; // interface-mtu
  28: number; // broadcast-address
  42: number[]; // ntp-servers
  43: Buffer; // vendor-encapsulated-options (see vendorSubOptions)
  50: number; // dhcp-requested-address
  51: number; // dhcp-lease-time
  52: number; // dhcp-option-overload
  53: number; // dhcp-message-type
  54: number; // dhcp-server-identifier
  55: number[]; // dhcp-parameter-request-list
  56: string; // dhcp-message
  57: number; // dhcp-max-message-size
  58: number; // dhcp-renewal-time
  59: number; // dhcp-rebinding-time
  60: string; // vendor-class-identifier
  61: ClientId; // dhcp-client-identifier
  66: string; // tftp-server-name
  67: string; // boot-file-name
  77: Buffer[]; // user-class
  81: ClientFqdn; // fqdn
  82: SubOption[]; // dhcp-agent-options
  118: number; // subnet-selection
  119: string[]; // domain-search
  121: ClasslessRoute[]; // classless-static-route
  150: number[]; // tftp-server-address
  176: string; // avaya-176
  242: string; // avaya-242
  252: string; // wpad-url
}

export type KnownOptionCode = keyof Dhcp4OptionTypes;

export interface OptionDef<T = unknown> {
  readonly code: number;
  /** Stable name (Kea's where Kea has one), used by configs and logs. */
  readonly name: string;
  /** Where the option is defined. */
  readonly rfc: string;
  readonly codec: Codec<T>;
  /** Lengths decode accepts for this option (after RFC 3396 concatenation); others drop the message. */
  readonly length: LengthRule;
}

const U8 = exactly(1);
const U16 = exactly(2);
const FOUR = exactly(4);

function def<C extends KnownOptionCode>(code: C, name: string, rfc: string, codec: Codec<Dhcp4OptionTypes[C]>, length: LengthRule): OptionDef<Dhcp4OptionTypes[C]> {
  return Object.freeze({ code, name, rfc, codec, length });
}

const DEFS = [
  def(1, 'subnet-mask', 'RFC 2132 §3.3', ipv4, FOUR),
  def(2, 'time-offset', 'RFC 2132 §3.4', i32, FOUR),
  def(3, 'routers', 'RFC 2132 §3.5', ipv4List, IPV4_LIST_RULE),
  def(6, 'domain-name-servers', 'RFC 2132 §3.8', ipv4List, IPV4_LIST_RULE),
  def(12, 'host-name', 'RFC 2132 §3.14', text, ANY_LENGTH),
  def(15, 'domain-name', 'RFC 2132 §3.17', text, ANY_LENGTH),
  def(26, 'interface-mtu', 'RFC 2132 §5.1', u16, U16),
  def(28, 'broadcast-address', 'RFC 2132 §5.3', ipv4, FOUR),
  def(42, 'ntp-servers', 'RFC 2132 §8.3', ipv4List, IPV4_LIST_RULE),
  def(43, 'vendor-encapsulated-options', 'RFC 2132 §8.4', bytes, ANY_LENGTH),
  def(50, 'dhcp-requested-address', 'RFC 2132 §9.1', ipv4, FOUR),
  def(51, 'dhcp-lease-time', 'RFC 2132 §9.2', u32, FOUR),
  def(52, 'dhcp-option-overload', 'RFC 2132 §9.3', u8, U8),
  def(53, 'dhcp-message-type', 'RFC 2132 §9.6', u8, U8),
  def(54, 'dhcp-server-identifier', 'RFC 2132 §9.7', ipv4, FOUR),
  def(55, 'dhcp-parameter-request-list', 'RFC 2132 §9.8', u8List, ANY_LENGTH),
  def(56, 'dhcp-message', 'RFC 2132 §9.9', text, ANY_LENGTH),
  def(57, 'dhcp-max-message-size', 'RFC 2132 §9.10', u16, U16),
  def(58, 'dhcp-renewal-time', 'RFC 2132 §9.11', u32, FOUR),
  def(59, 'dhcp-rebinding-time', 'RFC 2132 §9.12', u32, FOUR),
  def(60, 'vendor-class-identifier', 'RFC 2132 §9.13', text, ANY_LENGTH),
  def(61, 'dhcp-client-identifier', 'RFC 2132 §9.14, RFC 4361', clientId, CLIENT_ID_RULE),
  def(66, 'tftp-server-name', 'RFC 2132 §9.4', text, ANY_LENGTH),
  def(67, 'boot-file-name', 'RFC 2132 §9.5', text, ANY_LENGTH),
  def(77, 'user-class', 'RFC 3004', userClass, ANY_LENGTH),
  def(81, 'fqdn', 'RFC 4702', clientFqdn, FQDN_RULE),
  def(82, 'dhcp-agent-options', 'RFC 3046, RFC 3527', relayAgentInfo, ANY_LENGTH),
  def(118, 'subnet-selection', 'RFC 3011', ipv4, FOUR),
  def(119, 'domain-search', 'RFC 3397', domainSearch, ANY_LENGTH),
  def(121, 'classless-static-route', 'RFC 3442', classlessRoutes, ANY_LENGTH),
  def(150, 'tftp-server-address', 'RFC 5859', ipv4List, IPV4_LIST_RULE),
  def(176, 'avaya-176', 'Avaya IP phones (site-specific, RFC 3942)', text, ANY_LENGTH),
  def(242, 'avaya-242', 'Avaya IP phones (site-specific, RFC 3942)', text, ANY_LENGTH),
  def(252, 'wpad-url', 'WPAD draft (site-specific, RFC 3942)', text, ANY_LENGTH),
] as const;

/** Every catalogued option, by code. */
export const DHCP4_OPTIONS: ReadonlyMap<number, OptionDef> = new Map(DEFS.map((d) => [d.code, d as OptionDef]));
const BY_NAME: ReadonlyMap<string, OptionDef> = new Map(DEFS.map((d) => [d.name, d as OptionDef]));

/** Length rules by code (undefined: any length), for decode's hot loop. */
export const LENGTH_RULES: readonly (LengthRule | undefined)[] = Array.from({ length: 256 }, (_, c) => {
  const r = DHCP4_OPTIONS.get(c)?.length;
  return r === ANY_LENGTH ? undefined : r;
});

export function optionDef(code: number): OptionDef | undefined {
  return DHCP4_OPTIONS.get(code);
}

export function optionByName(name: string): OptionDef | undefined {
  return BY_NAME.get(name);
}

/** Name of an option code: the catalogue's, or "option-<code>". */
export function optionName(code: number): string {
  return DHCP4_OPTIONS.get(code)?.name ?? `option-${code}`;
}

/** The typed value of a catalogued option's data; for other codes, the bytes. Throws WireDecodeError. */
export function decodeOption<C extends KnownOptionCode>(code: C, data: Buffer): Dhcp4OptionTypes[C];
export function decodeOption(code: number, data: Buffer): unknown;
export function decodeOption(code: number, data: Buffer): unknown {
  const d = DHCP4_OPTIONS.get(code);
  if (d === undefined) return data;
  if (!lengthAllowed(d.length, data.length)) throw new WireDecodeError('bad-option-length', 0, `option ${code} (${d.name}): ${data.length} bytes`);
  return d.codec.decode(data);
}

/** The data bytes of a catalogued option's value. Throws WireEncodeError. */
export function encodeOption<C extends KnownOptionCode>(code: C, value: Dhcp4OptionTypes[C]): Buffer {
  return (DHCP4_OPTIONS.get(code) as OptionDef<Dhcp4OptionTypes[C]>).codec.encode(value);
}

/** Decodes every catalogued option of `options`, so structured ones (77, 81, 82, 119, 121, …) are checked too. */
export function validateOptions(options: ReadonlyMap<number, Buffer>): void {
  for (const [code, data] of options) {
    if (DHCP4_OPTIONS.has(code)) decodeOption(code, data);
  }
}
