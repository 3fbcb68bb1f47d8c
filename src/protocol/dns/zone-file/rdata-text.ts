// RDATA in presentation form, per type: rdataFromText reads a record's data tokens,
// rdataToText writes them. Every type of RDataMap but TSIG has its native form; DS,
// DNSKEY, SSHFP, TLSA and friends are read natively into opaque bytes
// (rdata-opaque.ts); any type, these included, may be written in RFC 3597 generic form
// (rdata-generic.ts), and types with no native form here must be. AAAA text is the
// wire codec's (src/wire/dns/address.ts), so an address reads the same from a zone
// file as from a message.
import { isIPv4 } from '../../../core/ip.js';
import { WireEncodeError } from '../../../wire/errors.js';
import { ipv6Bytes, ipv6Text } from '../../../wire/dns/address.js';
import { nameKey } from '../../../wire/dns/name.js';
import {
  RRType,
  type AAAAData, type AData, type CAAData, type CNAMEData, type DNAMEData, type HINFOData, type KnownType, type MXData,
  type NAPTRData, type NSData, type PTRData, type RData, type RDataMap, type SOAData, type SRVData, type TXTData,
} from '../../../wire/dns/types.js';
import { ZoneLexer, type ZoneToken } from './lexer.js';
import { ZoneTextError } from '../zone-problem.js';
import { bytesFromToken, quotedText } from './character-string.js';
import { isMetaType, typeToText } from './mnemonics.js';
import { nameToZoneText } from './names.js';
import { Fields, MAX_RDATA } from './rdata-fields.js';
import { CAA_TAG, GENERIC_MARK, genericBytes, genericData, genericText } from './rdata-generic.js';
import { hasOpaqueForm, opaqueFromFields, opaqueToNativeText } from './rdata-opaque.js';

/** Writes a name inside RDATA (absolute, relative to an origin, or as a comparison key). */
type NameOut = (name: string) => string;

interface TextForm<T> {
  read(f: Fields): T;
  write(d: T, name: NameOut): string;
}

type Forms = { readonly [K in Exclude<KnownType, 250>]: TextForm<RDataMap[K]> };

const FORMS: Forms = {
  1: {
    read: (f): AData => {
      const t = f.word('address');
      if (!isIPv4(t.text)) f.fail(t, `A address "${t.text}" is not an IPv4 address`);
      return { address: t.text };
    },
    write: (d) => d.address,
  },
  28: {
    read: (f): AAAAData => {
      const t = f.word('address');
      try {
        return { address: ipv6Text(ipv6Bytes(t.text), 0) };
      } catch (err) {
        if (err instanceof WireEncodeError) f.fail(t, `AAAA address "${t.text}" is not an IPv6 address`);
        throw err;
      }
    },
    write: (d) => d.address,
  },
  2: { read: (f): NSData => ({ host: f.name('host') }), write: (d, n) => n(d.host) },
  5: { read: (f): CNAMEData => ({ target: f.name('target') }), write: (d, n) => n(d.target) },
  39: { read: (f): DNAMEData => ({ target: f.name('target') }), write: (d, n) => n(d.target) },
  12: { read: (f): PTRData => ({ host: f.name('host') }), write: (d, n) => n(d.host) },
  6: {
    read: (f): SOAData => ({
      mname: f.name('primary server (MNAME)'),
      rname: f.name('mailbox (RNAME)'),
      serial: f.u32('serial'),
      refresh: f.seconds('refresh'),
      retry: f.seconds('retry'),
      expire: f.seconds('expire'),
      minimum: f.seconds('minimum'),
    }),
    write: (d, n) => `${n(d.mname)} ${n(d.rname)} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`,
  },
  13: {
    read: (f): HINFOData => ({ cpu: f.string('CPU'), os: f.string('OS') }),
    write: (d) => `${quotedText(d.cpu)} ${quotedText(d.os)}`,
  },
  15: {
    read: (f): MXData => ({ preference: f.u16('preference'), exchange: f.name('exchange') }),
    write: (d, n) => `${d.preference} ${n(d.exchange)}`,
  },
  16: {
    read: (f): TXTData => ({ strings: f.strings('string') }),
    write: (d) => d.strings.map(quotedText).join(' '),
  },
  33: {
    read: (f): SRVData => ({ priority: f.u16('priority'), weight: f.u16('weight'), port: f.u16('port'), target: f.name('target') }),
    write: (d, n) => `${d.priority} ${d.weight} ${d.port} ${n(d.target)}`,
  },
  35: {
    read: (f): NAPTRData => ({
      order: f.u16('order'),
      preference: f.u16('preference'),
      flags: f.string('flags'),
      services: f.string('services'),
      regexp: f.string('regexp'),
      replacement: f.name('replacement'),
    }),
    write: (d, n) => `${d.order} ${d.preference} ${quotedText(d.flags)} ${quotedText(d.services)} ${quotedText(d.regexp)} ${n(d.replacement)}`,
  },
  257: {
    read: (f): CAAData => {
      const flags = f.u8('flags');
      const t = f.word('tag');
      if (!CAA_TAG.test(t.text)) f.fail(t, `CAA tag "${t.text}" is not 1 to 15 letters and digits (RFC 8659 §4.1)`);
      const value = bytesFromToken(f.token('value'), 'CAA value', MAX_RDATA - 2 - t.text.length);
      return { flags, tag: t.text, value };
    },
    write: (d) => `${d.flags} ${d.tag} ${quotedText(d.value)}`,
  },
};

function formOf(type: number): TextForm<RData> | undefined {
  if (type === RRType.TSIG) return undefined;
  return (FORMS as unknown as Readonly<Record<number, TextForm<RData> | undefined>>)[type];
}

/**
 * The data of a record of `type` from its tokens (after the type); relative names are
 * completed with `origin`. Throws ZoneTextError.
 */
export function rdataFromText(type: number, tokens: readonly ZoneToken[], origin: string): RData {
  const what = typeToText(type);
  if (isMetaType(type) || type === RRType.TSIG) throw new ZoneTextError('bad-type', `${what} is a meta type and has no place in a zone file`);
  const f = new Fields(tokens, what, origin);
  const first = tokens[0];
  if (first !== undefined && !first.quoted && first.text === GENERIC_MARK) {
    f.token('RFC 3597 mark');
    return genericData(type, genericBytes(f), what);
  }
  const form = formOf(type);
  if (form !== undefined) {
    const data = form.read(f);
    f.end();
    return data;
  }
  const data = opaqueFromFields(type, f);
  if (data !== undefined) return data;
  throw new ZoneTextError('bad-rdata', `${what} data is read in RFC 3597 generic form only here: ${what} ${GENERIC_MARK} <length> <hex>`, first?.line, first?.column);
}

/** rdataFromText for text such as "10 mail.example.com." (comments and parentheses allowed). */
export function rdataFromString(type: number, text: string, origin: string): RData {
  const lexer = new ZoneLexer(text);
  const tokens: ZoneToken[] = [];
  for (let line = lexer.next(); line !== null; line = lexer.next()) tokens.push(...line.tokens);
  return rdataFromText(type, tokens, origin);
}

/** The data of a record in presentation form; names absolute, or relative to `origin` when given and shorter. */
export function rdataToText(type: number, data: RData, origin?: string): string {
  return formatRdata(type, data, (n) => nameToZoneText(n, origin));
}

/** A text that is equal for equal data: names by their nameKey, so without case and with escapes in one form (RFC 4034 §6.2). */
export function rdataKey(type: number, data: RData): string {
  return formatRdata(type, data, nameKey);
}

function formatRdata(type: number, data: RData, name: NameOut): string {
  if ('opaque' in data) {
    return (hasOpaqueForm(type) ? opaqueToNativeText(type, data.opaque) : undefined) ?? genericText(data.opaque);
  }
  const form = formOf(type);
  if (form === undefined) throw new TypeError(`${typeToText(type)} record data is not opaque and has no text form`);
  return form.write(data, name);
}
