// DHCID RDATA (RFC 4701): which DHCP client a name belongs to, without saying who it
// is. Two bytes of identifier type, one byte of digest type (1: SHA-256), and
// SHA-256(identifier || the FQDN in canonical wire form: lower case, uncompressed).
// Carried in records as opaque bytes (type 49 is not one of RDataMap's).
import { createHash } from 'node:crypto';
import { NameWriter, nameFromText } from '../dns-name.js';
import { WireEncodeError } from '../errors.js';
import { nameKey } from './name.js';

export const DHCID_TYPE = 49;

/** RFC 4701 §3.3 identifier types. */
export const DhcidIdentifier = {
  /** DHCPv4: htype (1 byte) + chaddr. */
  HWADDR: 0x0000,
  /** DHCPv4: the data of option 61, client identifier. */
  CLIENT_ID: 0x0001,
  /** DHCPv6 DUID, or the DUID of an RFC 4361 client identifier (type 255, after the IAID). */
  DUID: 0x0002,
} as const;

const SHA256 = 1;

/** The identifier type and bytes of a DHCPv4 client, from option 61 (when present) or htype + chaddr. */
export function dhcidIdentifier(client: { clientId?: Buffer; htype: number; chaddr: Buffer }): { type: number; bytes: Buffer } {
  const id = client.clientId;
  if (id !== undefined && id.length > 0) {
    // RFC 4361 identifier: type 255, IAID (4 bytes), DUID.
    if (id[0] === 255 && id.length > 5) return { type: DhcidIdentifier.DUID, bytes: id.subarray(5) };
    return { type: DhcidIdentifier.CLIENT_ID, bytes: id };
  }
  if (client.htype > 255) throw new WireEncodeError('bad-value', `DHCID: htype ${client.htype} is above 255`);
  return { type: DhcidIdentifier.HWADDR, bytes: Buffer.concat([Buffer.from([client.htype]), client.chaddr]) };
}

/** The DHCID RDATA for an identifier and a fully qualified name ("host.example.com."). */
export function dhcidRdata(identifier: { type: number; bytes: Buffer }, fqdn: string): Buffer {
  const w = new NameWriter(false);
  w.write(nameFromText(nameKey(fqdn)));
  const digest = createHash('sha256').update(identifier.bytes).update(w.toBuffer()).digest();
  const out = Buffer.allocUnsafe(3 + digest.length);
  out.writeUInt16BE(identifier.type, 0);
  out[2] = SHA256;
  digest.copy(out, 3);
  return out;
}
