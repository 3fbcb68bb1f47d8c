// The TSIG keys of dns.keys as the DNS service uses them (RFC 8945): each secret
// decoded from its inline base64 or read from its secretFile (relative: against the
// config file's directory). The config check saw inline secrets already; a file's
// contents get the same check here. Errors name the key and the file, never the secret.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { OutpostError } from '../core/errors.js';
import { MIN_TSIG_SECRET_BYTES, type TsigKeyConfig } from '../config/dns-schema.js';
import { base64Length } from '../config/failover-validate.js';
import type { TsigKey } from '../wire/dns/index.js';

/** A secret file longer than this is not a base64 secret. */
const MAX_SECRET_FILE_CHARACTERS = 4096;

/** Throws OutpostError('DNS_KEY_UNREADABLE') for a secretFile that cannot be read or is not a usable secret. */
export function loadTsigKeys(keys: readonly TsigKeyConfig[], configDir: string): TsigKey[] {
  return keys.map((k) => ({ name: k.name, algorithm: k.algorithm, secret: secretOf(k, configDir) }));
}

function secretOf(k: TsigKeyConfig, configDir: string): Buffer {
  let text = k.secret;
  const where = k.secretFile === undefined ? '' : ` in ${resolve(configDir, k.secretFile)}`;
  if (text === undefined) {
    const path = resolve(configDir, k.secretFile ?? '');
    try {
      text = readFileSync(path, 'utf8').trim();
    } catch (error) {
      throw new OutpostError('DNS_KEY_UNREADABLE', `TSIG key ${k.name}: cannot read secretFile ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  const bytes = text.length > MAX_SECRET_FILE_CHARACTERS ? undefined : base64Length(text);
  if (bytes === undefined) throw new OutpostError('DNS_KEY_UNREADABLE', `TSIG key ${k.name}: the secret${where} is not base64 (standard alphabet, padded)`);
  if (bytes < MIN_TSIG_SECRET_BYTES) throw new OutpostError('DNS_KEY_UNREADABLE', `TSIG key ${k.name}: the secret${where} decodes to ${bytes} bytes; at least ${MIN_TSIG_SECRET_BYTES} are needed`);
  return Buffer.from(text, 'base64');
}
