// Captured packets stored as hex files (test/fixtures/dns/, test/fixtures/tftp/): `#`
// lines naming the packet's origin, then its bytes in hex.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

export interface HexFixture {
  readonly name: string;
  readonly header: readonly string[];
  readonly bytes: Buffer;
}

/** Every `.hex` file of dir, by name. */
export function hexFixtures(dir: string): HexFixture[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.hex'))
    .sort()
    .map((name) => {
      const lines = readFileSync(join(dir, name), 'utf8').split('\n');
      return { name, header: lines.filter((l) => l.startsWith('#')), bytes: hex(lines.filter((l) => !l.startsWith('#')).join('')) };
    });
}
