// The credentials asked of the upload directories (files.http.uploads.auth): the users'
// passwords read once at start (passwordFile relative to the config file; one trailing
// newline dropped), then Basic or Digest (protocol/files/http-*-auth.ts). Digest nonces
// are signed with a key made at start.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Clock } from '../core/clock.js';
import { OutpostError } from '../core/errors.js';
import type { UploadsConfig } from '../config/files-schema.js';
import type { Authenticator, AuthUser } from '../protocol/files/http-auth.js';
import { BasicAuth } from '../protocol/files/http-basic-auth.js';
import { DigestAuth } from '../protocol/files/http-digest-auth.js';

/** The authenticator of the upload directories; undefined with auth "none". */
export function uploadAuthenticator(uploads: UploadsConfig, configDir: string, clock: Clock): Authenticator | undefined {
  if (uploads.auth === 'none') return undefined;
  const users: AuthUser[] = uploads.users.map((u, i) => ({ name: u.name, password: u.password ?? readPassword(resolve(configDir, u.passwordFile!), i) }));
  if (uploads.auth === 'basic') return new BasicAuth(uploads.realm, users);
  return new DigestAuth({ realm: uploads.realm, users, secret: randomBytes(32), now: () => clock.now() });
}

function readPassword(file: string, index: number): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new OutpostError('FILES_HTTP_CREDENTIALS_UNREADABLE', `files.http.uploads.users[${index}].passwordFile ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const password = text.replace(/\r?\n$/, '');
  if (password.length === 0) throw new OutpostError('FILES_HTTP_CREDENTIALS_UNREADABLE', `files.http.uploads.users[${index}].passwordFile ${file} is empty`);
  return password;
}
