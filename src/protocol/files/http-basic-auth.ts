// HTTP Basic authentication (RFC 7617): user-id ":" password in base64, UTF-8
// (charset="UTF-8" is announced). The password is compared in constant time; an unknown
// user costs the same comparison. Basic sends the password in the clear: only over
// HTTPS is it safe (docs/files.md "HTTP"). Pure.
import { quoted } from './http-credentials.js';
import { credentialsIn, sameSecret, type Authenticator, type AuthResult, type AuthUser } from './http-auth.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export class BasicAuth implements Authenticator {
  private readonly users: ReadonlyMap<string, string>;

  constructor(private readonly realm: string, users: readonly AuthUser[]) {
    this.users = new Map(users.map((u) => [u.name, u.password]));
  }

  challenges(): string[] {
    return [`Basic realm=${quoted(this.realm)}, charset="UTF-8"`];
  }

  verify(_method: string, _uri: string, authorization: string | undefined): AuthResult {
    const c = credentialsIn(authorization, 'basic');
    if (typeof c === 'string') return { ok: false, reason: c };
    if (c.token68 === undefined || c.token68.length > 1024) return { ok: false, reason: 'malformed' };
    let pair: string;
    try {
      const bytes = Buffer.from(c.token68, 'base64');
      if (bytes.toString('base64').replace(/=+$/, '') !== c.token68.replace(/=+$/, '')) return { ok: false, reason: 'malformed' };
      pair = utf8.decode(bytes);
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const colon = pair.indexOf(':');
    if (colon < 0) return { ok: false, reason: 'malformed' };
    const name = pair.slice(0, colon);
    const expected = this.users.get(name);
    const right = sameSecret(pair.slice(colon + 1), expected ?? '\u0000');
    if (expected === undefined) return { ok: false, reason: 'unknown-user' };
    return right ? { ok: true, user: name } : { ok: false, reason: 'wrong-password' };
  }
}
