// What the HTTP authentication schemes of the file service share (RFC 9110 §11): the
// result of checking a request's credentials and the interface Basic (RFC 7617,
// http-basic-auth.ts) and Digest (RFC 7616, http-digest-auth.ts) implement. Pure.
import { createHash, timingSafeEqual } from 'node:crypto';
import { parseCredentials, type Credentials } from './http-credentials.js';

/**
 * Why credentials were refused: none given (or another scheme), a header that does not
 * parse or lacks a parameter, an unknown user, a wrong password or digest, and for
 * Digest a nonce not ours, expired (answered stale=true when the digest was right), a
 * realm, uri, algorithm or qop other than challenged, a bad nc or cnonce, or a replay.
 */
export type AuthRefusal =
  | 'missing' | 'malformed' | 'unknown-user' | 'wrong-password' | 'bad-nonce' | 'stale' | 'realm' | 'uri' | 'algorithm' | 'qop' | 'nc' | 'cnonce' | 'replay';

export type AuthResult = { readonly ok: true; readonly user: string } | { readonly ok: false; readonly reason: AuthRefusal };

/** A user allowed in, the password as configured. */
export interface AuthUser {
  readonly name: string;
  readonly password: string;
}

export interface Authenticator {
  /** WWW-Authenticate values of a 401; `stale` (Digest): the last nonce had expired. */
  challenges(stale: boolean): string[];
  /** Checks the Authorization header of a request (`uri`: the request-target as sent). */
  verify(method: string, uri: string, authorization: string | undefined): AuthResult;
}

/** The credentials of an Authorization header in `scheme`: missing (no header, another scheme), malformed, or parsed. */
export function credentialsIn(authorization: string | undefined, scheme: string): Credentials | 'missing' | 'malformed' {
  if (authorization === undefined) return 'missing';
  const c = parseCredentials(authorization);
  if (!c) return 'malformed';
  return c.scheme === scheme ? c : 'missing';
}

/** Equality of two strings in time that depends on neither (both hashed to the same length first). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}
