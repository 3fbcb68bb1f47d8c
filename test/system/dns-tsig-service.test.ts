// The DNS service's TSIG keys (src/site/dns-keys.ts, src/site/dns-service.ts): secrets
// inline or from a secretFile relative to the config directory, refused with
// DNS_KEY_UNREADABLE when unreadable or too short; a service on 127.0.0.1 (port 0)
// answers a signed query signed, refuses a bad one, counts both in /metrics and logs
// the refusal without the secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { DnsConfig } from '../../src/config/dns-schema.js';
import { OutpostError } from '../../src/core/errors.js';
import { systemClock } from '../../src/runtime/system-clock.js';
import { loadTsigKeys } from '../../src/site/dns-keys.js';
import { DnsService } from '../../src/site/dns-service.js';
import { decodeMessage, encodeMessage, Rcode, RRType, signMessage, TsigKeyring, verifyMessage, type TsigKey } from '../../src/wire/dns/index.js';
import { message } from '../support/dns-fixture.js';
import { memoryLogger } from '../support/memory-log.js';

const SECRET = Buffer.from('a test secret of 32 bytes, okay!');

function withDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-dns-tsig-'));
  return Promise.resolve(fn(dir)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

const refused = (re: RegExp) => (e: unknown) => e instanceof OutpostError && e.code === 'DNS_KEY_UNREADABLE' && re.test(e.message) && !e.message.includes(SECRET.toString('base64'));

test('secrets inline or from a secretFile (relative to the config directory, white space trimmed); unreadable or short files are refused', () => withDir((dir) => {
  writeFileSync(join(dir, 'k.secret'), `\n  ${SECRET.toString('base64')}\n`);
  const keys = loadTsigKeys([
    { name: 'a.example', algorithm: 'hmac-sha256', secret: SECRET.toString('base64') },
    { name: 'b.example', algorithm: 'hmac-sha1', secretFile: 'k.secret' },
  ], dir);
  assert.deepEqual(keys, [
    { name: 'a.example', algorithm: 'hmac-sha256', secret: SECRET },
    { name: 'b.example', algorithm: 'hmac-sha1', secret: SECRET },
  ]);
  assert.throws(() => loadTsigKeys([{ name: 'c.example', algorithm: 'hmac-sha256', secretFile: 'missing.secret' }], dir), refused(/c\.example: cannot read secretFile .*missing\.secret: ENOENT/));
  writeFileSync(join(dir, 'short'), Buffer.alloc(8).toString('base64'));
  assert.throws(() => loadTsigKeys([{ name: 'd.example', algorithm: 'hmac-sha256', secretFile: 'short' }], dir), refused(/decodes to 8 bytes; at least 16/));
  writeFileSync(join(dir, 'bind-style'), `key "e" { algorithm hmac-sha256; secret "${SECRET.toString('base64')}"; };`);
  assert.throws(() => loadTsigKeys([{ name: 'e.example', algorithm: 'hmac-sha256', secretFile: 'bind-style' }], dir), refused(/not base64/));
}));

function exchange(port: number, query: Buffer): Promise<Buffer> {
  const s = createSocket('udp4');
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer within 3 s')), 3_000);
    s.once('message', (m) => {
      clearTimeout(timer);
      resolve(m);
    });
    s.send(query, port, '127.0.0.1');
  }).finally(() => s.close());
}

test('the service answers a signed query signed, refuses a wrong signature with BADSIG, counts and logs it without the secret', () => withDir(async (dir) => {
  writeFileSync(join(dir, 'example.zone'), '$ORIGIN example.com.\n$TTL 300\n@ SOA ns1 hostmaster 1 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.53\n');
  writeFileSync(join(dir, 'xfr.secret'), SECRET.toString('base64'));
  const config = {
    enabled: true, listen: [{ address: '127.0.0.1', port: 0 }], dataDir: 'data', udpSize: 1232, tcp: { idleTimeout: 10, maxConnections: 10, maxPipelined: 10 },
    keys: [{ name: 'xfr.example.com', algorithm: 'hmac-sha256', secretFile: 'xfr.secret' }],
    zones: [{ name: 'example.com', type: 'primary', file: 'example.zone', allowTransfer: [], allowUpdate: [], forwardUpdates: true, expiry: 'soa', ixfrHistory: 100 }],
  } satisfies DnsConfig;
  const { log, lines } = memoryLogger();
  const registry = new Registry();
  const service = new DnsService({ config, configDir: dir, log, clock: systemClock, registry });
  await service.start();
  try {
    const port = service.ports.udp[0]!;
    const key: TsigKey = { name: 'xfr.example.com', algorithm: 'hmac-sha256', secret: SECRET };
    const q = encodeMessage(message({ id: 77, questions: [{ name: 'ns1.example.com.', type: RRType.A, class: 1 }] }));
    const now = Math.floor(Date.now() / 1000);
    const good = signMessage(q, key, { now });
    const answer = await exchange(port, good.message);
    assert.equal(decodeMessage(answer).rcode, Rcode.NOERROR);
    assert.ok(verifyMessage(answer, new TsigKeyring([key]).find, { now, requestMac: good.mac })?.ok);
    const bad = await exchange(port, signMessage(q, { ...key, secret: Buffer.alloc(32, 1) }, { now }).message);
    assert.equal(decodeMessage(bad).rcode, Rcode.NOTAUTH);

    const metrics = await registry.metrics();
    assert.match(metrics, /outpost_dns_tsig_total\{result="ok"\} 1/);
    assert.match(metrics, /outpost_dns_tsig_total\{result="badsig"\} 1/);
    assert.match(metrics, /outpost_dns_queries_total\{outcome="notauth"\} 1/);
    const refusal = lines().find((l) => l.code === 'DNS_TSIG_REFUSED');
    assert.deepEqual([refusal?.error, refusal?.key, refusal?.transport], ['BADSIG', 'xfr.example.com.', 'udp']);
    assert.deepEqual(lines().find((l) => l.code === 'DNS_LISTENING')?.keys, ['xfr.example.com']);
    assert.ok(!JSON.stringify(lines()).includes(SECRET.toString('base64')), 'no secret in the log');
  } finally {
    await service.stop();
  }
}));
