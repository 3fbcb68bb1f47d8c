// HTTP Digest authentication (RFC 7616), as the file service asks it of phone uploads:
// two challenges, SHA-256 first then MD5 (most phones know only MD5), qop="auth",
// charset=UTF-8; no userhash, no -sess algorithms, no auth-int.
//
// Nonces carry their own proof so the server keeps none to issue them:
//   nonce = base64url( time (8 bytes, ms) ‖ HMAC-SHA-256(secret, time ‖ realm)[0..16] )
// A nonce whose HMAC does not verify is not ours (bad-nonce); one older than its
// lifetime is stale — the client is told stale=true when its digest was otherwise right,
// and retries with the new nonce without asking its user. Each accepted (nonce, nc,
// cnonce) is remembered until the nonce expires (a bounded table): the same triple again
// is a replay. nc must be 8 hex digits, not zero; cnonce must be present; the digest-uri
// must be the request-target as sent. Digests and HMACs compare in constant time; an
// unknown user costs the same work as a known one. Pure: time and secret are given.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { extValue, quoted } from './http-credentials.js';
import { credentialsIn, type Authenticator, type AuthResult, type AuthUser } from './http-auth.js';

export const DIGEST_ALGORITHMS = ['SHA-256', 'MD5'] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];
const HASHES: Readonly<Record<DigestAlgorithm, string>> = { 'SHA-256': 'sha256', MD5: 'md5' };

export interface DigestOptions {
  readonly realm: string;
  readonly users: readonly AuthUser[];
  /** HMAC key of the nonces (random, per process: a restart makes old nonces unknown). */
  readonly secret: Buffer;
  /** Milliseconds since the epoch. */
  readonly now: () => number;
  readonly nonceLifetimeMs?: number;
  /** Accepted (nonce, nc, cnonce) triples remembered at most. */
  readonly replayEntries?: number;
}

export const DEFAULT_NONCE_LIFETIME_MS = 300_000;
const DEFAULT_REPLAY_ENTRIES = 16_384;
/** A nonce dated this far in the future is not ours (clock steps aside). */
const FUTURE_SKEW_MS = 60_000;
const MAC_BYTES = 16;
const NONCE_BYTES = 8 + MAC_BYTES;

const hash = (algorithm: DigestAlgorithm, text: string) => createHash(HASHES[algorithm]).update(text, 'utf8').digest('hex');

/** H(username:realm:password), RFC 7616 §3.4.2. */
export function digestHa1(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  return hash(algorithm, `${username}:${realm}:${password}`);
}

/** The response of qop=auth, RFC 7616 §3.4.1: KD(HA1, nonce:nc:cnonce:auth:H(method:uri)). */
export function digestResponse(algorithm: DigestAlgorithm, ha1: string, r: { nonce: string; nc: string; cnonce: string; method: string; uri: string }): string {
  return hash(algorithm, `${ha1}:${r.nonce}:${r.nc}:${r.cnonce}:auth:${hash(algorithm, `${r.method}:${r.uri}`)}`);
}

export class DigestAuth implements Authenticator {
  /** H(username:realm:password) per user and algorithm: passwords are not kept. */
  private readonly ha1 = new Map<string, Readonly<Record<DigestAlgorithm, string>>>();
  private readonly dummy: Readonly<Record<DigestAlgorithm, string>>;
  private readonly seen = new Map<string, number>();
  private readonly lifetime: number;
  private readonly maxSeen: number;

  constructor(private readonly o: DigestOptions) {
    const ha1 = (name: string, password: string) => ({ 'SHA-256': digestHa1('SHA-256', name, o.realm, password), MD5: digestHa1('MD5', name, o.realm, password) });
    for (const u of o.users) this.ha1.set(u.name, ha1(u.name, u.password));
    this.dummy = ha1('', o.secret.toString('hex'));
    this.lifetime = o.nonceLifetimeMs ?? DEFAULT_NONCE_LIFETIME_MS;
    this.maxSeen = o.replayEntries ?? DEFAULT_REPLAY_ENTRIES;
  }

  challenges(stale: boolean): string[] {
    const nonce = this.nonce(this.o.now());
    return DIGEST_ALGORITHMS.map((a) => `Digest realm=${quoted(this.o.realm)}, qop="auth", algorithm=${a}, nonce="${nonce}", charset=UTF-8${stale ? ', stale=true' : ''}`);
  }

  /** A fresh nonce dated `ms`. */
  nonce(ms: number): string {
    const time = Buffer.alloc(8);
    time.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(ms))));
    return Buffer.concat([time, this.mac(time)]).toString('base64url');
  }

  verify(method: string, uri: string, authorization: string | undefined): AuthResult {
    const c = credentialsIn(authorization, 'digest');
    if (typeof c === 'string') return { ok: false, reason: c };
    const p = c.params;
    const user = username(p);
    const [nonce, realm, digestUri, response, nc, cnonce, qop] = ['nonce', 'realm', 'uri', 'response', 'nc', 'cnonce', 'qop'].map((k) => p.get(k));
    if (user === undefined || nonce === undefined || realm === undefined || digestUri === undefined || response === undefined || p.get('userhash')?.toLowerCase() === 'true') {
      return { ok: false, reason: 'malformed' };
    }
    const algorithm = DIGEST_ALGORITHMS.find((a) => a.toLowerCase() === (p.get('algorithm') ?? 'MD5').toLowerCase());
    if (!algorithm) return { ok: false, reason: 'algorithm' };
    if (realm !== this.o.realm) return { ok: false, reason: 'realm' };
    if (qop?.toLowerCase() !== 'auth') return { ok: false, reason: 'qop' };
    if (nc === undefined || !/^[0-9a-fA-F]{8}$/.test(nc) || /^0{8}$/.test(nc)) return { ok: false, reason: 'nc' };
    if (cnonce === undefined || cnonce.length === 0 || cnonce.length > 256) return { ok: false, reason: 'cnonce' };
    if (digestUri !== uri) return { ok: false, reason: 'uri' };
    const issued = this.nonceTime(nonce);
    const now = this.o.now();
    if (issued === undefined || issued > now + FUTURE_SKEW_MS) return { ok: false, reason: 'bad-nonce' };
    const known = this.ha1.get(user);
    const expected = digestResponse(algorithm, (known ?? this.dummy)[algorithm], { nonce, nc, cnonce, method, uri: digestUri });
    const right = response.length === expected.length && timingSafeEqual(Buffer.from(response.toLowerCase(), 'latin1'), Buffer.from(expected, 'latin1'));
    if (!known) return { ok: false, reason: 'unknown-user' };
    if (!right) return { ok: false, reason: 'wrong-password' };
    if (now - issued > this.lifetime) return { ok: false, reason: 'stale' };
    if (!this.remember(`${nonce}:${nc.toLowerCase()}:${cnonce}`, issued + this.lifetime, now)) return { ok: false, reason: 'replay' };
    return { ok: true, user };
  }

  private mac(time: Buffer): Buffer {
    return createHmac('sha256', this.o.secret).update(time).update(this.o.realm).digest().subarray(0, MAC_BYTES);
  }

  /** When a nonce of ours was issued; undefined when it is not ours. */
  private nonceTime(nonce: string): number | undefined {
    if (nonce.length > 64) return undefined;
    const bytes = Buffer.from(nonce, 'base64url');
    if (bytes.length !== NONCE_BYTES || bytes.toString('base64url') !== nonce) return undefined;
    const time = bytes.subarray(0, 8);
    if (!timingSafeEqual(bytes.subarray(8), this.mac(time))) return undefined;
    return Number(time.readBigUInt64BE());
  }

  /** Records a triple until `expires`; false when it was seen already. Expired entries go first, then the oldest past the bound. */
  private remember(key: string, expires: number, now: number): boolean {
    if (this.seen.has(key)) return false;
    for (const [k, until] of this.seen) {
      if (until >= now && this.seen.size < this.maxSeen) break;
      this.seen.delete(k);
    }
    this.seen.set(key, expires);
    return true;
  }
}

/** username, or username* (RFC 8187 ext-value, UTF-8 only); not both. */
function username(p: ReadonlyMap<string, string>): string | undefined {
  const ext = p.get('username*');
  if (ext === undefined) return p.get('username');
  return p.has('username') ? undefined : extValue(ext);
}
