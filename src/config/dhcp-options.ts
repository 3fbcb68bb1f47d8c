// DHCP option values in the site config, and the typed template catalogue.
//
// Every level of the `dhcp` section (global, shared network, subnet, pool, class,
// reservation) has the same `options` object (dhcp-schema.ts, DhcpOptionsSchema):
//
//   - typed keys for common options (routers → 3, domainNameServers → 6, …);
//   - templates: structured objects for the devices of a voice network that render to
//     one or more options — avaya (242/176), ciscoTftp (150/66), aruba (43 + 60),
//     resolvers (6/15/119);
//   - custom: any other option by code or catalogue name, its value typed by the
//     wire catalogue (src/wire/dhcp4, DHCP4_OPTIONS) or, for codes it does not know,
//     by an explicit `type`.
//
// renderOptions() turns one options object into wire bytes (through the DHCPv4
// codec, so a value is valid exactly when it can be put on the wire) and names the
// field of each problem. Levels inherit and override per option code, in the order
// global → shared network → subnet → pool → class → reservation (mergeOptionSets).
import type { Codec } from '../wire/codec.js';
import {
  DHCP4_OPTIONS,
  WireEncodeError,
  bytes,
  classlessRoutes,
  domainSearch,
  i32,
  ipv4,
  ipv4FromString,
  ipv4List,
  ipv4Mask,
  ipv4ToString,
  optionByName,
  optionDef,
  text,
  u16,
  u32,
  u8,
  u8List,
  type ClasslessRoute,
} from '../wire/dhcp4/index.js';
import { nameFromText } from '../wire/dns-name.js';
import { describeValue as describe, jsonPath, type ConfigProblem } from './problem.js';
import type { AvayaTemplate, ArubaTemplate, CiscoTftpTemplate, CustomOption, DhcpConfig, DhcpOptionValues, ResolversTemplate } from './dhcp-schema.js';

/** One DHCP option as configured: its wire data and which config key set it. */
export interface RenderedOption {
  readonly code: number;
  /** Catalogue name, or "option-<code>". */
  readonly name: string;
  /** The option's data (without code and length bytes), at most 255 bytes. */
  readonly data: Buffer;
  /** JSON path of the config key that set it, e.g. $.dhcp.subnets[0].options.avaya. */
  readonly source: string;
  /** Sent even when the client's parameter request list (55) does not ask for it (Kea's always-send). */
  readonly alwaysSend: boolean;
}

/** The options of one level, by code, in the order they were configured. */
export type OptionSet = ReadonlyMap<number, RenderedOption>;

/** One configured option is sent as one DHCP option: at most 255 bytes of data. */
export const MAX_OPTION_LENGTH = 255;

/** How a configured value is typed: what `custom[].type` may say, plus the structured kinds of the catalogue. */
export type OptionKind = 'text' | 'hex' | 'boolean' | 'uint8' | 'uint16' | 'uint32' | 'int32' | 'ipv4' | 'ipv4-list' | 'domain-list' | 'uint8-list' | 'routes';

/** Options the server sets itself (or clients send): the config cannot set them, and says what to use instead. */
export const SERVER_SET_OPTIONS: ReadonlyMap<number, string> = new Map([
  [1, 'comes from the subnet prefix (dhcp.subnets[].subnet)'],
  [12, 'is set per client by dhcp.subnets[].reservations[].hostname'],
  [28, 'comes from the subnet prefix (dhcp.subnets[].subnet)'],
  [50, 'is sent by clients, not by servers'],
  [51, 'comes from dhcp.leaseTime or dhcp.subnets[].leaseTime'],
  [52, 'is message framing, written by the encoder'],
  [53, 'is the message type, set by the server'],
  [54, 'comes from dhcp.serverIdentifier or the interface address'],
  [55, 'is sent by clients, not by servers'],
  [56, 'is the server\'s own error message'],
  [57, 'is sent by clients, not by servers'],
  [58, 'comes from dhcp.renewTime or dhcp.subnets[].renewTime'],
  [59, 'comes from dhcp.rebindTime or dhcp.subnets[].rebindTime'],
  [61, 'is sent by clients, not by servers'],
  [77, 'is sent by clients, not by servers'],
  [81, 'is answered by the server from the client\'s request'],
  [82, 'is added by relays and echoed by the server'],
  [118, 'is sent by clients and relays, not by servers'],
]);

// The catalogue's codecs say how each catalogued option's value is typed.
const KIND_OF_CODEC = new Map<Codec<never>, OptionKind>([
  [text, 'text'], [bytes, 'hex'], [u8, 'uint8'], [u16, 'uint16'], [u32, 'uint32'], [i32, 'int32'],
  [ipv4, 'ipv4'], [ipv4List, 'ipv4-list'], [domainSearch, 'domain-list'], [u8List, 'uint8-list'], [classlessRoutes, 'routes'],
] as [Codec<never>, OptionKind][]);

/** How the config types an option's value: by the catalogue; undefined for codes it does not know or cannot type. */
export function catalogueKind(code: number): OptionKind | undefined {
  const def = optionDef(code);
  return def === undefined ? undefined : KIND_OF_CODEC.get(def.codec as Codec<never>);
}

export function optionLabel(code: number): string {
  const def = optionDef(code);
  return def === undefined ? `option ${code}` : `option ${code} (${def.name})`;
}

function nameOf(code: number): string {
  return optionDef(code)?.name ?? `option-${code}`;
}

/** The typed keys of an options object and the option each sets. */
export const TYPED_OPTION_KEYS = {
  routers: 3,
  domainNameServers: 6,
  domainName: 15,
  domainSearch: 119,
  ntpServers: 42,
  timeOffset: 2,
  interfaceMtu: 26,
  tftpServerName: 66,
  bootFileName: 67,
  tftpServerAddress: 150,
  classlessStaticRoutes: 121,
  wpadUrl: 252,
} as const satisfies Partial<Record<keyof DhcpOptionValues, number>>;

/** The template catalogue: each template's key in an options object, the options it renders and its fields. */
export const OPTION_TEMPLATES = [
  {
    key: 'avaya',
    codes: [242, 176],
    summary: 'Avaya IP phones: MCIPADD=…,MCPORT=…,TFTPSRVR=…,HTTPSRVR=…,HTTPDIR=…,TLSSRVR=…,L2Q=…,L2QVLAN=…,L2QAUD=…,L2QSIG=…,VLANTEST=… as one string in option 242 (96xx/J-series) and/or 176 (46xx), at most 255 bytes.',
    fields: ['codes', 'mcIpAdd', 'mcPort', 'tftpSrvr', 'httpSrvr', 'httpDir', 'tlsSrvr', 'l2q', 'l2qVlan', 'l2qAud', 'l2qSig', 'vlanTest', 'extra'],
  },
  {
    key: 'ciscoTftp',
    codes: [150, 66],
    summary: 'Cisco IP phones: TFTP server addresses in option 150, and one server name or address in option 66.',
    fields: ['servers', 'option66', 'serverName'],
  },
  {
    key: 'aruba',
    codes: [43, 60],
    summary: 'Aruba access points: the controller as text in option 43, and option 60 echoed (ArubaAP). Only in a class matching that vendor class, or a reservation.',
    fields: ['controller', 'vendorClass'],
  },
  {
    key: 'resolvers',
    codes: [6, 15, 119],
    summary: 'Name resolution: resolvers in option 6, the domain name in 15, the search list in 119.',
    fields: ['servers', 'domain', 'search'],
  },
] as const;

// ---------------------------------------------------------------------------
// Rendering one options object.

type Seg = string | number;

class Renderer {
  readonly set = new Map<number, RenderedOption>();
  readonly problems: ConfigProblem[] = [];

  constructor(private readonly base: readonly Seg[]) {}

  problem(at: readonly Seg[], reason: string): void {
    this.problems.push({ code: 'CONFIG_INVALID', path: jsonPath([...this.base, ...at]), reason });
  }

  /** Records option `code` set by the key at `at`; refuses a second setter at the same level and data over 255 bytes. */
  put(code: number, data: Buffer, at: readonly Seg[], what = optionLabel(code), alwaysSend = false): void {
    const source = jsonPath([...this.base, ...at]);
    const earlier = this.set.get(code);
    if (earlier !== undefined) {
      this.problem(at, `${optionLabel(code)} is already set at this level by ${earlier.source}: set it once`);
      return;
    }
    if (data.length > MAX_OPTION_LENGTH) {
      this.problem(at, `${what} renders to ${data.length} bytes; one DHCP option holds at most ${MAX_OPTION_LENGTH}`);
      return;
    }
    this.set.set(code, { code, name: nameOf(code), data, source, alwaysSend });
  }

  /** Encodes with a wire codec; a WireEncodeError becomes a problem at `at`. */
  encode<T>(codec: Codec<T>, value: T, at: readonly Seg[]): Buffer | undefined {
    try {
      return codec.encode(value);
    } catch (err) {
      if (err instanceof WireEncodeError) {
        this.problem(at, err.message.replace(/^[a-z-]+: /, ''));
        return undefined;
      }
      throw err;
    }
  }

  /** Addresses as numbers; a repeated address is a problem at its index. */
  addresses(list: readonly string[], at: readonly Seg[]): number[] | undefined {
    const seen = new Set<number>();
    let ok = true;
    const out = list.map((a, i) => {
      const n = ipv4FromString(a);
      if (seen.has(n)) {
        this.problem([...at, i], `${a} is listed twice`);
        ok = false;
      }
      seen.add(n);
      return n;
    });
    return ok ? out : undefined;
  }

  /** A list (of names, hosts) without repeats, compared case-insensitively. */
  distinct(list: readonly string[], at: readonly Seg[]): boolean {
    const seen = new Set<string>();
    let ok = true;
    list.forEach((v, i) => {
      const k = v.toLowerCase().replace(/\.$/, '');
      if (seen.has(k)) {
        this.problem([...at, i], `${v} is listed twice`);
        ok = false;
      }
      seen.add(k);
    });
    return ok;
  }

  /** A domain name checked in wire form (labels ≤ 63 bytes, name ≤ 255). */
  domain(name: string, at: readonly Seg[]): boolean {
    try {
      nameFromText(name);
      return true;
    } catch (err) {
      if (err instanceof WireEncodeError) {
        this.problem(at, `${JSON.stringify(name)} is not a valid domain name: ${err.message.replace(/^[a-z-]+: "[^"]*": /, '')}`);
        return false;
      }
      throw err;
    }
  }

  ipv4List(code: number, list: readonly string[], at: readonly Seg[]): void {
    const nums = this.addresses(list, at);
    if (nums === undefined) return;
    const data = this.encode(ipv4List, nums, at);
    if (data) this.put(code, data, at);
  }

  text(code: number, value: string, at: readonly Seg[]): void {
    this.put(code, Buffer.from(value, 'utf8'), at);
  }

  domainName(code: number, value: string, at: readonly Seg[]): void {
    if (this.domain(value, at)) this.text(code, value.replace(/\.$/, ''), at);
  }

  domainList(code: number, names: readonly string[], at: readonly Seg[]): void {
    if (!this.distinct(names, at)) return;
    if (!names.every((n, i) => this.domain(n, [...at, i]))) return;
    const data = this.encode(domainSearch, names.map((n) => n.replace(/\.$/, '')), at);
    if (data) this.put(code, data, at);
  }
}

function cidr(text: string): { network: number; prefix: number } {
  const [addr, len] = text.split('/') as [string, string];
  return { network: ipv4FromString(addr), prefix: Number(len) };
}

function renderTyped(r: Renderer, o: DhcpOptionValues): void {
  if (o.routers) r.ipv4List(3, o.routers, ['routers']);
  if (o.domainNameServers) r.ipv4List(6, o.domainNameServers, ['domainNameServers']);
  if (o.domainName !== undefined) r.domainName(15, o.domainName, ['domainName']);
  if (o.domainSearch) r.domainList(119, o.domainSearch, ['domainSearch']);
  if (o.ntpServers) r.ipv4List(42, o.ntpServers, ['ntpServers']);
  if (o.timeOffset !== undefined) {
    const d = r.encode(i32, o.timeOffset, ['timeOffset']);
    if (d) r.put(2, d, ['timeOffset']);
  }
  if (o.interfaceMtu !== undefined) {
    const d = r.encode(u16, o.interfaceMtu, ['interfaceMtu']);
    if (d) r.put(26, d, ['interfaceMtu']);
  }
  if (o.tftpServerName !== undefined) r.text(66, o.tftpServerName, ['tftpServerName']);
  if (o.bootFileName !== undefined) r.text(67, o.bootFileName, ['bootFileName']);
  if (o.tftpServerAddress) r.ipv4List(150, o.tftpServerAddress, ['tftpServerAddress']);
  if (o.classlessStaticRoutes) {
    const at = ['classlessStaticRoutes'];
    let ok = true;
    const routes: ClasslessRoute[] = o.classlessStaticRoutes.map((route, i) => {
      const { network, prefix } = cidr(route.destination);
      if ((network & ~ipv4Mask(prefix)) >>> 0 !== 0) {
        r.problem([...at, i, 'destination'], `${route.destination} is not a network address: did you mean ${alignedCidr(network, prefix)}?`);
        ok = false;
      }
      return { destination: network, prefixLength: prefix, router: ipv4FromString(route.router) };
    });
    const seen = new Set<string>();
    o.classlessStaticRoutes.forEach((route, i) => {
      if (seen.has(route.destination)) {
        r.problem([...at, i, 'destination'], `${route.destination} is routed twice`);
        ok = false;
      }
      seen.add(route.destination);
    });
    if (ok) {
      const d = r.encode(classlessRoutes, routes, at);
      if (d) r.put(121, d, at);
    }
  }
  if (o.wpadUrl !== undefined) r.text(252, o.wpadUrl, ['wpadUrl']);
}

/** The network a CIDR with host bits set was probably meant to be: 192.0.2.5/24 → 192.0.2.0/24. */
export function alignedCidr(network: number, prefix: number): string {
  return `${ipv4ToString((network & ipv4Mask(prefix)) >>> 0)}/${prefix}`;
}

// --- avaya -----------------------------------------------------------------

/** Avaya parameters with their own field: NAME → field. */
export const AVAYA_FIELDS = {
  MCIPADD: 'mcIpAdd',
  MCPORT: 'mcPort',
  TFTPSRVR: 'tftpSrvr',
  HTTPSRVR: 'httpSrvr',
  HTTPDIR: 'httpDir',
  TLSSRVR: 'tlsSrvr',
  L2Q: 'l2q',
  L2QVLAN: 'l2qVlan',
  L2QAUD: 'l2qAud',
  L2QSIG: 'l2qSig',
  VLANTEST: 'vlanTest',
} as const satisfies Record<string, keyof AvayaTemplate>;

const L2Q_VALUES = { auto: 0, on: 1, off: 2 } as const;

/** The Avaya option string of a template: "MCIPADD=…,MCPORT=…,…", parameters in a fixed order, then `extra`. */
export function avayaString(t: AvayaTemplate): string {
  const parts: string[] = [];
  const add = (name: string, v: string | number | readonly string[] | undefined) => {
    if (v === undefined) return;
    parts.push(`${name}=${Array.isArray(v) ? v.join(',') : String(v)}`);
  };
  add('MCIPADD', t.mcIpAdd);
  add('MCPORT', t.mcPort);
  add('TFTPSRVR', t.tftpSrvr);
  add('HTTPSRVR', t.httpSrvr);
  add('HTTPDIR', t.httpDir);
  add('TLSSRVR', t.tlsSrvr);
  add('L2Q', t.l2q === undefined ? undefined : L2Q_VALUES[t.l2q]);
  add('L2QVLAN', t.l2qVlan);
  add('L2QAUD', t.l2qAud);
  add('L2QSIG', t.l2qSig);
  add('VLANTEST', t.vlanTest);
  for (const e of t.extra ?? []) add(e.name, e.value);
  return parts.join(',');
}

function renderAvaya(r: Renderer, t: AvayaTemplate): void {
  const at = ['avaya'];
  let ok = true;
  const codes = t.codes ?? [242];
  codes.forEach((c, i) => {
    if (codes.indexOf(c) !== i) {
      r.problem([...at, 'codes', i], `${c} is listed twice`);
      ok = false;
    }
  });
  for (const key of ['mcIpAdd', 'tftpSrvr', 'httpSrvr', 'tlsSrvr'] as const) {
    const list = t[key];
    if (list && !r.distinct(list, [...at, key])) ok = false;
  }
  const extraNames = new Set<string>();
  (t.extra ?? []).forEach((e, i) => {
    const field = (AVAYA_FIELDS as Record<string, string>)[e.name];
    if (field !== undefined) {
      r.problem([...at, 'extra', i, 'name'], `${e.name} has its own field: use avaya.${field}`);
      ok = false;
    } else if (extraNames.has(e.name)) {
      r.problem([...at, 'extra', i, 'name'], `${e.name} is given twice`);
      ok = false;
    }
    extraNames.add(e.name);
  });
  if (t.l2qVlan !== undefined && t.l2qVlan > 0 && t.l2q === 'off') {
    r.problem([...at, 'l2qVlan'], 'is set while l2q is "off": the phone would not tag; set l2q to "on" or "auto", or leave l2qVlan out');
    ok = false;
  }
  if (!ok) return;
  const s = avayaString(t);
  if (s === '') {
    r.problem(at, 'sets no parameter: give at least one of mcIpAdd, tftpSrvr, httpSrvr, tlsSrvr, l2q, l2qVlan, …');
    return;
  }
  const data = Buffer.from(s, 'ascii');
  if (data.length > MAX_OPTION_LENGTH) {
    r.problem(at, `renders to ${data.length} bytes (${s.slice(0, 40)}…); one DHCP option holds at most ${MAX_OPTION_LENGTH}: shorten the server lists or names`);
    return;
  }
  for (const c of codes) r.put(c, data, at, `the Avaya string for option ${c}`);
}

// --- ciscoTftp -------------------------------------------------------------

function renderCiscoTftp(r: Renderer, t: CiscoTftpTemplate): void {
  const at = ['ciscoTftp'];
  const option66 = t.option66 ?? true;
  if (!option66 && t.serverName !== undefined) {
    r.problem([...at, 'serverName'], 'is sent in option 66, which option66: false turns off');
    return;
  }
  r.ipv4List(150, t.servers, [...at, 'servers']);
  if (option66) {
    const name = t.serverName ?? t.servers[0];
    if (name !== undefined) r.text(66, name, t.serverName !== undefined ? [...at, 'serverName'] : [...at, 'servers']);
  }
}

// --- aruba -----------------------------------------------------------------

function renderAruba(r: Renderer, t: ArubaTemplate): void {
  // Always sent: the template only reaches Aruba APs (dhcp-validate.ts checks where it is), and 60 is an echo.
  const at = ['aruba'];
  r.put(43, Buffer.from(t.controller, 'ascii'), [...at, 'controller'], undefined, true);
  r.put(60, Buffer.from(t.vendorClass ?? 'ArubaAP', 'ascii'), [...at, 'vendorClass'], undefined, true);
}

function markAlwaysSend(r: Renderer, codes: readonly number[]): void {
  codes.forEach((code, i) => {
    const at = ['alwaysSend', i];
    if (codes.indexOf(code) !== i) return r.problem(at, `${code} is listed twice`);
    const o = r.set.get(code);
    if (o === undefined) return r.problem(at, `${optionLabel(code)} is not set at this level: alwaysSend names options of its own level`);
    r.set.set(code, { ...o, alwaysSend: true });
  });
}

// --- resolvers -------------------------------------------------------------

function renderResolvers(r: Renderer, t: ResolversTemplate): void {
  const at = ['resolvers'];
  if (t.servers === undefined && t.domain === undefined && t.search === undefined) {
    r.problem(at, 'sets nothing: give servers, domain or search');
    return;
  }
  if (t.servers) r.ipv4List(6, t.servers, [...at, 'servers']);
  if (t.domain !== undefined) r.domainName(15, t.domain, [...at, 'domain']);
  if (t.search) r.domainList(119, t.search, [...at, 'search']);
}

// --- custom ----------------------------------------------------------------

const IPV4_TEXT = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_TEXT = /^[0-9A-Fa-f]{2}(:?[0-9A-Fa-f]{2})*$/;
const PRINTABLE = /^[ -~]*$/;
const INT_RANGES: Record<'uint8' | 'uint16' | 'uint32' | 'int32', [number, number, Codec<number>]> = {
  uint8: [0, 0xff, u8],
  uint16: [0, 0xffff, u16],
  uint32: [0, 0xffffffff, u32],
  int32: [-0x80000000, 0x7fffffff, i32],
};

/** The data of a custom option's value of the given kind, or a problem reason (with the sub-path it concerns). */
function customData(kind: OptionKind, value: unknown): { data: Buffer } | { at: Seg[]; reason: string } {
  const bad = (reason: string, at: Seg[] = []) => ({ at, reason });
  switch (kind) {
    case 'text':
      if (typeof value !== 'string' || value === '') return bad(`must be a non-empty string, not ${describe(value)}`);
      if (!PRINTABLE.test(value)) return bad('must be printable ASCII text (use type "hex" for other bytes)');
      return { data: Buffer.from(value, 'ascii') };
    case 'hex':
      if (typeof value !== 'string' || !HEX_TEXT.test(value)) return bad(`must be hex bytes such as 01:02:0a or 01020a, not ${describe(value)}`);
      return { data: Buffer.from(value.replace(/:/g, ''), 'hex') };
    case 'boolean':
      if (typeof value !== 'boolean') return bad(`must be true or false, not ${describe(value)}`);
      return { data: Buffer.from([value ? 1 : 0]) };
    case 'uint8': case 'uint16': case 'uint32': case 'int32': {
      const [min, max, codec] = INT_RANGES[kind];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) return bad(`must be an integer ${min}–${max} (${kind}), not ${describe(value)}`);
      return { data: codec.encode(value) };
    }
    case 'ipv4':
      if (typeof value !== 'string' || !IPV4_TEXT.test(value)) return bad(`must be an IPv4 address, not ${describe(value)}`);
      return { data: ipv4.encode(ipv4FromString(value)) };
    case 'ipv4-list': {
      if (!Array.isArray(value) || value.length === 0) return bad(`must be a non-empty array of IPv4 addresses, not ${describe(value)}`);
      const nums: number[] = [];
      for (let i = 0; i < value.length; i++) {
        const a: unknown = value[i];
        if (typeof a !== 'string' || !IPV4_TEXT.test(a)) return bad(`must be an IPv4 address, not ${describe(a)}`, [i]);
        const n = ipv4FromString(a);
        if (nums.includes(n)) return bad(`${a} is listed twice`, [i]);
        nums.push(n);
      }
      return { data: ipv4List.encode(nums) };
    }
    case 'domain-list': {
      if (!Array.isArray(value) || value.length === 0) return bad(`must be a non-empty array of domain names, not ${describe(value)}`);
      const names: string[] = [];
      for (let i = 0; i < value.length; i++) {
        const n: unknown = value[i];
        if (typeof n !== 'string' || n === '' || !PRINTABLE.test(n)) return bad(`must be a domain name, not ${describe(n)}`, [i]);
        try {
          nameFromText(n);
        } catch (err) {
          if (err instanceof WireEncodeError) return bad(`${JSON.stringify(n)} is not a valid domain name`, [i]);
          throw err;
        }
        names.push(n.replace(/\.$/, ''));
      }
      try {
        return { data: domainSearch.encode(names) };
      } catch (err) {
        if (err instanceof WireEncodeError) return bad(err.message);
        throw err;
      }
    }
    case 'uint8-list': {
      if (!Array.isArray(value) || value.length === 0) return bad(`must be a non-empty array of integers 0–255, not ${describe(value)}`);
      for (let i = 0; i < value.length; i++) {
        const b: unknown = value[i];
        if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 255) return bad(`must be an integer 0–255, not ${describe(b)}`, [i]);
      }
      return { data: Buffer.from(value as number[]) };
    }
    case 'routes':
      return bad('use the classlessStaticRoutes key for option 121');
  }
}

function renderCustom(r: Renderer, list: readonly CustomOption[]): void {
  list.forEach((c, i) => {
    const at: Seg[] = ['custom', i];
    if (c.code !== undefined && c.name !== undefined) return r.problem(at, 'give the option\'s code or its name, not both');
    if (c.code === undefined && c.name === undefined) return r.problem(at, 'give the option\'s code or its name');
    let code: number;
    if (c.name !== undefined) {
      const def = optionByName(c.name);
      if (def === undefined) return r.problem([...at, 'name'], `"${c.name}" is not in the option catalogue: give its code and type instead`);
      code = def.code;
    } else {
      code = c.code!;
    }
    const keyAt = c.name !== undefined ? [...at, 'name'] : [...at, 'code'];
    const serverSet = SERVER_SET_OPTIONS.get(code);
    if (serverSet !== undefined) return r.problem(keyAt, `${optionLabel(code)} cannot be configured: it ${serverSet}`);
    let kind: OptionKind;
    if (DHCP4_OPTIONS.has(code)) {
      const known = catalogueKind(code);
      if (known === undefined) return r.problem(keyAt, `${optionLabel(code)} cannot be configured`);
      if (c.type !== undefined && c.type !== known) return r.problem([...at, 'type'], `${optionLabel(code)} is of type ${known}: leave type out`);
      kind = known;
    } else {
      if (c.type === undefined) return r.problem(at, `option ${code} is not in the option catalogue: give its type (one of text, hex, boolean, uint8, uint16, uint32, int32, ipv4, ipv4-list, domain-list)`);
      kind = c.type;
    }
    const out = customData(kind, c.value);
    if ('reason' in out) return r.problem([...at, 'value', ...out.at], out.reason);
    r.put(code, out.data, at);
  });
}

/** Renders one options object (at JSON path `base`, e.g. ['dhcp', 'subnets', 0, 'options']). */
export function renderOptions(o: DhcpOptionValues | undefined, base: readonly Seg[]): { set: OptionSet; problems: ConfigProblem[] } {
  const r = new Renderer(base);
  if (o !== undefined) {
    renderTyped(r, o);
    if (o.avaya) renderAvaya(r, o.avaya);
    if (o.ciscoTftp) renderCiscoTftp(r, o.ciscoTftp);
    if (o.aruba) renderAruba(r, o.aruba);
    if (o.resolvers) renderResolvers(r, o.resolvers);
    if (o.custom) renderCustom(r, o.custom);
    if (o.alwaysSend) markAlwaysSend(r, o.alwaysSend);
  }
  return { set: r.set, problems: r.problems };
}

/** Options of several levels, lowest first (global … reservation): a later level's option replaces an earlier one with the same code. */
export function mergeOptionSets(...levels: readonly (OptionSet | undefined)[]): OptionSet {
  const out = new Map<number, RenderedOption>();
  for (const level of levels) {
    if (level === undefined) continue;
    for (const [code, opt] of level) {
      out.delete(code);
      out.set(code, opt);
    }
  }
  return out;
}

export interface SubnetOptionSets {
  readonly subnet: OptionSet;
  readonly pools: readonly OptionSet[];
  readonly reservations: readonly OptionSet[];
}

/** Every level's options of a validated `dhcp` section, rendered once, for the engine to merge per client. */
export interface DhcpOptionTables {
  readonly global: OptionSet;
  readonly sharedNetworks: ReadonlyMap<string, OptionSet>;
  /** Indexed as dhcp.subnets; pools and reservations indexed as in their subnet. */
  readonly subnets: readonly SubnetOptionSets[];
  /** By class name, in priority order (dhcp.classes order). */
  readonly classes: ReadonlyMap<string, OptionSet>;
}

/** Renders every options object of the section; problems name their JSON paths (under $.dhcp). */
export function renderDhcpOptionTables(dhcp: DhcpConfig): { tables: DhcpOptionTables; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const render = (o: DhcpOptionValues | undefined, base: Seg[]): OptionSet => {
    const r = renderOptions(o, [...base, 'options']);
    problems.push(...r.problems);
    return r.set;
  };
  const global = render(dhcp.options, ['dhcp']);
  const sharedNetworks = new Map<string, OptionSet>();
  dhcp.sharedNetworks.forEach((n, i) => sharedNetworks.set(n.name, render(n.options, ['dhcp', 'sharedNetworks', i])));
  const classes = new Map<string, OptionSet>();
  dhcp.classes.forEach((c, i) => classes.set(c.name, render(c.options, ['dhcp', 'classes', i])));
  const subnets = dhcp.subnets.map((s, i): SubnetOptionSets => {
    const base = ['dhcp', 'subnets', i];
    return {
      subnet: render(s.options, base),
      pools: s.pools.map((p, j) => render(p.options, [...base, 'pools', j])),
      reservations: s.reservations.map((h, j) => render(h.options, [...base, 'reservations', j])),
    };
  });
  return { tables: { global, sharedNetworks, subnets, classes }, problems };
}
