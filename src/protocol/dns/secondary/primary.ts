// A secondary's primaries as the protocol sees them, and the one place TSIG (RFC 8945)
// plugs into transfers in: signing our requests, verifying the primary's answers
// (every message of an AXFR/IXFR stream, RFC 8945 §5.3.1) and checking a NOTIFY.
// The service uses TsigXfrSecurity (tsig-security.ts): primaries with a key get signed
// requests and must sign their answers and NOTIFYs; UNSIGNED (no TSIG at all) is what
// primaries without a key get, and what tests use.

export interface PrimaryServer {
  readonly address: string;
  readonly port: number;
  /** The TSIG key's name (dns.keys[].name) messages to and from it are signed with. */
  readonly key?: string;
}

export const primaryLabel = (p: PrimaryServer): string => (p.address.includes(':') ? `[${p.address}]:${p.port}` : `${p.address}:${p.port}`);

/** Checks the answers to one request, message by message; throws to reject one (the transfer fails). */
export interface ResponseVerifier {
  message(wire: Buffer): void;
  /** After the last message: throws when the stream ended unsigned where it must not (RFC 8945 §5.3.1: at most 99 unsigned in a row, the last signed). */
  end(): void;
}

export interface XfrSecurity {
  /** The request's wire bytes as sent to `primary`: signed with its key when it has one (signMessage). */
  signRequest(primary: PrimaryServer, request: Buffer): Buffer;
  /** The verifier of the answers to `signedRequest` (verifyMessage / TsigStreamVerifier, with the request's MAC). */
  responseVerifier(primary: PrimaryServer, signedRequest: Buffer): ResponseVerifier;
  /** Whether a NOTIFY's bytes are acceptable from `primary` (signed with its key when it has one): true, or false / why not. */
  acceptNotify(primary: PrimaryServer, message: Buffer): boolean | string;
  /** The encoded answer to an accepted NOTIFY as sent: signed with the primary's key, bound to the NOTIFY's MAC, when it has one. */
  signNotifyAnswer?(primary: PrimaryServer, notify: Buffer, answer: Buffer): Buffer;
}

const NO_CHECK: ResponseVerifier = { message: () => {}, end: () => {} };

export const UNSIGNED: XfrSecurity = {
  signRequest: (_p, request) => request,
  responseVerifier: () => NO_CHECK,
  acceptNotify: () => true,
};

/** An address as received (IPv4-mapped IPv6 from a dual-stack socket) in the form configs use. */
export function plainAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return (m ? m[1]! : address).toLowerCase();
}
