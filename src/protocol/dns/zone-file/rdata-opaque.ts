// Native presentation of a few types the record shapes keep as opaque RDATA bytes:
// DS and CDS (RFC 4034 §5.3, RFC 7344), DNSKEY and CDNSKEY (RFC 4034 §2.2), SSHFP
// (RFC 4255 §3.2), TLSA and SMIMEA (RFC 6698 §2.2, RFC 8162), SPF (RFC 7208, as TXT).
// Read into the RDATA bytes; written back natively when the bytes have the type's
// layout, else in RFC 3597 form.
import { WireDecodeError } from '../../../wire/errors.js';
import { decodeRdata, encodeRdata } from '../../../wire/dns/rdata.js';
import { RRType, type OpaqueData, type TXTData } from '../../../wire/dns/types.js';
import { quotedText } from './character-string.js';
import { MAX_RDATA, type Fields } from './rdata-fields.js';
import { ZoneTextError } from '../zone-problem.js';

interface OpaqueForm {
  read(f: Fields): Buffer;
  /** Presentation text, or undefined when the bytes do not have the type's layout. */
  write(b: Buffer): string | undefined;
}

const u8 = (n: number) => Buffer.of(n);
const u16 = (n: number) => Buffer.of(n >> 8, n & 0xff);
const upperHex = (b: Buffer) => b.toString('hex').toUpperCase();

const ds: OpaqueForm = {
  read: (f) => Buffer.concat([u16(f.u16('key tag')), u8(f.u8('algorithm')), u8(f.u8('digest type')), f.hex('digest')]),
  write: (b) => (b.length < 5 ? undefined : `${b.readUInt16BE(0)} ${b[2]} ${b[3]} ${upperHex(b.subarray(4))}`),
};

const dnskey: OpaqueForm = {
  read: (f) => Buffer.concat([u16(f.u16('flags')), u8(f.u8('protocol')), u8(f.u8('algorithm')), f.base64('public key')]),
  write: (b) => (b.length < 5 ? undefined : `${b.readUInt16BE(0)} ${b[2]} ${b[3]} ${b.subarray(4).toString('base64')}`),
};

const sshfp: OpaqueForm = {
  read: (f) => Buffer.concat([u8(f.u8('algorithm')), u8(f.u8('fingerprint type')), f.hex('fingerprint')]),
  write: (b) => (b.length < 3 ? undefined : `${b[0]} ${b[1]} ${upperHex(b.subarray(2))}`),
};

const tlsa: OpaqueForm = {
  read: (f) => Buffer.concat([u8(f.u8('usage')), u8(f.u8('selector')), u8(f.u8('matching type')), f.hex('certificate data')]),
  write: (b) => (b.length < 4 ? undefined : `${b[0]} ${b[1]} ${b[2]} ${upperHex(b.subarray(3))}`),
};

/** SPF has TXT's RDATA: the codec's TXT writes and reads its bytes. */
const spf: OpaqueForm = {
  read: (f) => encodeRdata(RRType.TXT, { strings: f.strings('string') }),
  write: (b) => {
    try {
      return (decodeRdata(RRType.TXT, b) as TXTData).strings.map(quotedText).join(' ');
    } catch (err) {
      if (err instanceof WireDecodeError) return undefined;
      throw err;
    }
  },
};

const FORMS: ReadonlyMap<number, OpaqueForm> = new Map([
  [43, ds], [59, ds], [48, dnskey], [60, dnskey], [44, sshfp], [52, tlsa], [53, tlsa], [99, spf],
]);

/** Whether `type` has a native form here. */
export function hasOpaqueForm(type: number): boolean {
  return FORMS.has(type);
}

export function opaqueFromFields(type: number, f: Fields): OpaqueData | undefined {
  const form = FORMS.get(type);
  if (form === undefined) return undefined;
  const bytes = form.read(f);
  if (bytes.length > MAX_RDATA) throw new ZoneTextError('bad-rdata', `${f.what} data is longer than ${MAX_RDATA} bytes`);
  f.end();
  return { opaque: bytes };
}

export function opaqueToNativeText(type: number, bytes: Buffer): string | undefined {
  return FORMS.get(type)?.write(bytes);
}
