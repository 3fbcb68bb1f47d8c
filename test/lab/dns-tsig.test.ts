// TSIG (RFC 8945) against real programs.
//
// 1. Outpost's DNS server (the real `outpost site run`, port 53 in its own namespace)
//    with keys of every algorithm (inline and in a secretFile): dig -y and kdig -y get
//    signed NOERROR answers their own verification accepts, over UDP and TCP; a wrong
//    secret gets NOTAUTH/BADSIG, an unknown key BADKEY, each logged as DNS_TSIG_REFUSED.
// 2. BIND's named on 127.0.0.1 (a high port, `allow-query { key … }`) accepts queries
//    signed by signMessage; verifyMessage accepts its signed answers, TsigStreamVerifier
//    its multi-message signed AXFR; its BADSIG and BADTIME answers are read as such.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  decodeMessage, encodeMessage, Rcode, RRType, signMessage, TsigKeyring, TsigStreamVerifier, verifyMessage, type TsigAlgorithm, type TsigKey,
} from '../../src/wire/dns/index.js';
import { message } from '../support/dns-fixture.js';
import { labUnavailableReason, LabProcess, missingPrograms, withLab } from './index.js';

const skip = labUnavailableReason() ?? false;
const OUTPOST = join(process.cwd(), 'dist', 'src', 'cli', 'main.js');
const SERVER = '192.0.2.53';
const ALGORITHMS: readonly TsigAlgorithm[] = ['hmac-sha256', 'hmac-sha1', 'hmac-sha384', 'hmac-sha512'];

const ZONE = (extra = '') => `$ORIGIN voice.example.com.
$TTL 3600
@          SOA   ns1 hostmaster 2026113001 3600 600 1209600 300
@          NS    ns1
ns1        A     ${SERVER}
pbx        A     192.0.2.10
${extra}`;

const keyFor = (algorithm: TsigAlgorithm): TsigKey => ({ name: `${algorithm}.key.example`, algorithm, secret: randomBytes(32) });
const b64 = (k: TsigKey) => k.secret.toString('base64');

test('dig -y and kdig -y get signed answers from Outpost for every algorithm, over UDP and TCP; a wrong secret gets BADSIG, an unknown key BADKEY', { skip, timeout: 120_000 }, async () => {
  assert.deepEqual(missingPrograms(['dig', 'kdig']), []);
  await withLab({ tag: 'dns-tsig' }, async (lab) => {
    const server = await lab.namespace('dns');
    const client = await lab.namespace('client');
    await lab.link(server, client, { a: `${SERVER}/24`, b: '192.0.2.20/24' });
    const dir = await lab.tempDir();
    writeFileSync(join(dir, 'voice.zone'), ZONE());
    const keys = ALGORITHMS.map(keyFor);
    // hmac-sha1's secret from a file (relative to the config), the others inline.
    writeFileSync(join(dir, 'sha1.secret'), `${b64(keys[1]!)}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'site.json'), JSON.stringify({
      version: 1, site: { name: 'lab' }, server: { name: 'dns-1' }, status: { port: 0 },
      dns: {
        listen: [{ address: '0.0.0.0' }], dataDir: 'data',
        keys: keys.map((k) => ({ name: k.name, algorithm: k.algorithm, ...(k.algorithm === 'hmac-sha1' ? { secretFile: 'sha1.secret' } : { secret: b64(k) }) })),
        zones: [{ name: 'voice.example.com', type: 'primary', file: 'voice.zone' }],
      },
    }));
    const daemon = server.spawn(process.execPath, [OUTPOST, 'site', 'run', '--config', join(dir, 'site.json')]);
    await daemon.waitForLine(/"code":"DNS_LISTENING"/, 20_000);
    const run = async (tool: 'dig' | 'kdig', args: string[]) => {
      const base = tool === 'dig' ? ['+norec', '+time=2', '+tries=1'] : ['+norec', '+time=2', '+retry=0'];
      const r = await client.run(tool, [`@${SERVER}`, ...base, ...args], { timeoutMs: 15_000 });
      return { out: r.stdout, all: `${r.stdout}${r.stderr}`, code: r.code };
    };

    for (const k of keys) {
      for (const transport of ['+notcp', '+tcp']) {
        const y = `${k.algorithm}:${k.name}:${b64(k)}`;
        const d = await run('dig', [transport, '-y', y, 'pbx.voice.example.com', 'A']);
        assert.equal(d.code, 0, d.all);
        assert.match(d.out, /status: NOERROR/, d.all);
        assert.match(d.out, /pbx\.voice\.example\.com\.\s+3600\s+IN\s+A\s+192\.0\.2\.10/);
        assert.match(d.out, new RegExp(`;; TSIG PSEUDOSECTION:\\n${k.name}\\.\\s+0\\s+ANY\\s+TSIG\\s+${k.algorithm}\\. \\d+ 300 \\d+ .+ \\d+ NOERROR 0`), d.all);
        // dig says "Couldn't verify signature" or "Some TSIG could not be validated" when its check fails.
        assert.doesNotMatch(d.all, /Couldn't verify|could not be validated/, `${k.algorithm} ${transport}: dig verifies the answer\n${d.all}`);

        const kd = await run('kdig', [transport, '-y', y, 'pbx.voice.example.com', 'A']);
        assert.equal(kd.code, 0, kd.all);
        assert.match(kd.out, /status: NOERROR/, kd.all);
        assert.match(kd.out, new RegExp(`TSIG\\s+${k.algorithm}\\. .* NOERROR`), kd.all);
        assert.doesNotMatch(kd.all, /failed to verify|WARNING/, `${k.algorithm} ${transport}: kdig verifies the answer\n${kd.all}`);
      }
    }

    const wrong = `hmac-sha256:${keys[0]!.name}:${randomBytes(32).toString('base64')}`;
    const badsig = await run('dig', ['-y', wrong, 'pbx.voice.example.com', 'A']);
    assert.match(badsig.out, /status: NOTAUTH/, badsig.all);
    assert.match(badsig.out, /TSIG\s+hmac-sha256\. \d+ 300 0 \d+ BADSIG 0/, badsig.all);
    const kbadsig = await run('kdig', ['+tcp', '-y', wrong, 'pbx.voice.example.com', 'A']);
    assert.match(kbadsig.out, /status: BADSIG/, kbadsig.all);
    await daemon.waitForLine(/"code":"DNS_TSIG_REFUSED".*"error":"BADSIG"/, 5_000);

    const unknown = `hmac-sha512:nobody.key.example:${b64(keys[3]!)}`;
    const badkey = await run('dig', ['-y', unknown, 'pbx.voice.example.com', 'A']);
    assert.match(badkey.out, /status: NOTAUTH/, badkey.all);
    assert.match(badkey.out, /nobody\.key\.example\.\s+0\s+ANY\s+TSIG\s+hmac-sha512\. \d+ 300 0 \d+ BADKEY 0/, badkey.all);
    const kbadkey = await run('kdig', ['-y', `hmac-sha1:${keys[0]!.name}:${b64(keys[0]!)}`, 'pbx.voice.example.com', 'A']);
    assert.match(kbadkey.out, /status: BADKEY/, `a known name with another algorithm\n${kbadkey.all}`);
    await daemon.waitForLine(/"code":"DNS_TSIG_REFUSED".*"error":"BADKEY"/, 5_000);
    for (const k of keys) assert.ok(!daemon.output().includes(b64(k)), 'no secret in the log');

    // Unsigned queries are answered as before.
    const plain = await run('dig', ['pbx.voice.example.com', 'A']);
    assert.match(plain.out, /status: NOERROR/);
    assert.doesNotMatch(plain.out, /TSIG PSEUDOSECTION/);
  });
});

function freePort(): Promise<number> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  }));
}

function udpExchange(port: number, query: Buffer, what: string): Promise<Buffer> {
  const s = createSocket('udp4');
  return new Promise<Buffer>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no UDP answer within 5 s`)), 5_000);
    s.once('message', (m) => {
      clearTimeout(timer);
      resolve(m);
    });
    s.send(query, port, '127.0.0.1');
  }).finally(() => s.close());
}

/** Sends one query over TCP and collects answers until `done` says the last came. */
function tcpExchange(port: number, query: Buffer, done: (answers: readonly Buffer[]) => boolean): Promise<Buffer[]> {
  const answers: Buffer[] = [];
  return new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length, 0);
      c.write(Buffer.concat([len, query]));
    });
    const timer = setTimeout(() => {
      c.destroy();
      reject(new Error(`TCP exchange unfinished after 10 s (${answers.length} answers)`));
    }, 10_000);
    let pending = Buffer.alloc(0);
    c.on('data', (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        answers.push(Buffer.from(pending.subarray(2, 2 + pending.readUInt16BE(0))));
        pending = pending.subarray(2 + answers.at(-1)!.length);
      }
      if (answers.length > 0 && done(answers)) {
        clearTimeout(timer);
        c.end();
        resolve(answers);
      }
    });
    c.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

test('named accepts queries signed by signMessage; its signed answers, multi-message AXFR, BADSIG and BADTIME verify here', { skip, timeout: 60_000 }, async () => {
  assert.deepEqual(missingPrograms(['named']), []);
  await withLab({ tag: 'tsig-named' }, async (lab) => {
    const dir = await lab.tempDir();
    const port = await freePort();
    const key = keyFor('hmac-sha256');
    const sha512 = keyFor('hmac-sha512');
    // 3000 more records: named (transfer-message-size 20480) sends the AXFR in several messages.
    writeFileSync(join(dir, 'voice.zone'), ZONE(Array.from({ length: 3000 }, (_, i) => `host-${i} A 198.51.100.${(i % 250) + 1}`).join('\n')));
    writeFileSync(join(dir, 'named.conf'), `options {
    directory "${dir}";
    pid-file "${dir}/named.pid";
    session-keyfile "${dir}/session.key";
    managed-keys-directory "${dir}";
    listen-on port ${port} { 127.0.0.1; };
    listen-on-v6 { none; };
    recursion no;
    allow-query { key ${key.name}; key ${sha512.name}; };
    allow-transfer { key ${key.name}; };
};
key "${key.name}" { algorithm ${key.algorithm}; secret "${b64(key)}"; };
key "${sha512.name}" { algorithm ${sha512.algorithm}; secret "${b64(sha512)}"; };
controls { };
zone "voice.example.com" { type primary; file "${dir}/voice.zone"; };
`);
    const named = new LabProcess(['named', '-g', '-u', 'root', '-c', join(dir, 'named.conf')]);
    lab.track(named);
    await named.waitForLine(/ running$/, 20_000);
    const ring = new TsigKeyring([key, sha512]).find;
    const now = () => Math.floor(Date.now() / 1000);
    const query = (id: number, name: string, type: number) => encodeMessage(message({ id, questions: [{ name, type, class: 1 }] }));

    for (const k of [key, sha512]) {
      const signed = signMessage(query(0x5151, 'pbx.voice.example.com.', RRType.A), k, { now: now() });
      const answer = await udpExchange(port, signed.message, k.algorithm);
      const m = decodeMessage(answer);
      assert.deepEqual([m.rcode, m.answers.map((a) => a.data)], [Rcode.NOERROR, [{ address: '192.0.2.10' }]], `${k.algorithm}: named accepted the signature`);
      const v = verifyMessage(answer, ring, { now: now(), requestMac: signed.mac });
      assert.ok(v?.ok, `${k.algorithm}: named's answer verifies: ${JSON.stringify(v)}`);
    }
    const unsigned = decodeMessage(await udpExchange(port, query(1, 'pbx.voice.example.com.', RRType.A), 'unsigned'));
    assert.equal(unsigned.rcode, Rcode.REFUSED, 'named refuses unsigned queries: the signature is what let ours in');

    const axfr = signMessage(query(0x7a7a, 'voice.example.com.', RRType.AXFR), key, { now: now() });
    const messages = await tcpExchange(port, axfr.message, (got) => got.flatMap((g) => decodeMessage(g).answers).filter((a) => a.type === RRType.SOA).length >= 2);
    assert.ok(messages.length >= 3, `${messages.length} AXFR messages`);
    const stream = new TsigStreamVerifier(ring, { requestMac: axfr.mac });
    for (const [i, msg] of messages.entries()) {
      const v = stream.verify(msg, { now: now() });
      assert.ok(v === undefined || v.ok, `message ${i}: ${JSON.stringify(v)}`);
    }
    assert.equal(stream.end(), undefined, 'the stream ends signed');
    assert.equal(messages.flatMap((g) => decodeMessage(g).answers).length, 3000 + 4 + 1);

    const wrong = signMessage(query(0x0bad, 'pbx.voice.example.com.', RRType.A), { ...key, secret: randomBytes(32) }, { now: now() });
    const badsig = await udpExchange(port, wrong.message, 'wrong secret');
    assert.equal(decodeMessage(badsig).rcode, Rcode.NOTAUTH);
    const f = verifyMessage(badsig, ring, { now: now(), requestMac: wrong.mac });
    assert.ok(f && !f.ok && f.error === 'BADSIG', `named's BADSIG answer: ${JSON.stringify(f)}`);

    const then = now() - 3600;
    const late = signMessage(query(0x1a7e, 'pbx.voice.example.com.', RRType.A), key, { now: then });
    const badtime = await udpExchange(port, late.message, 'late');
    assert.equal(decodeMessage(badtime).rcode, Rcode.NOTAUTH);
    // Signed by named with our request MAC and our time signed: it verifies at our (wrong) clock and tells its time.
    const t = verifyMessage(badtime, ring, { now: then, requestMac: late.mac });
    assert.ok(t && !t.ok && t.error === 'BADTIME' && t.key?.name === key.name, `named's BADTIME answer: ${JSON.stringify(t)}`);
    assert.match(t.detail, /its time: \d+/);

    const exit = await named.stop();
    assert.equal(exit.signal ?? exit.code, 0, named.output());
  });
});
