// DHCP → DNS registration (docs/dns.md "DHCP → DNS") against BIND: named is the primary
// of voice.example.com and 2.0.192.in-addr.arpa in its own namespace (203.0.113.53),
// taking updates signed with a TSIG key (update-policy); Outpost's site daemon serves
// 192.0.2.0/24 to real dhclients and registers their names there.
//   1. dhclient with option 81 (phone-1.voice.example.com., S set) → A and PTR appear, and
//      the ACK carried option 81 back (S, E, RCODEs 255: in dhclient's lease file);
//   2. a second client claiming phone-1 (option 12) gets no overwrite (DHCID guard), and
//      no option 81 back;
//   3. dhclient -r → A and PTR gone;
//   4. named stopped, a new client bound: its change is queued; the daemon is killed
//      with SIGKILL and started again; named back → the records appear (the queue survived).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { FqdnFlag } from '../../src/wire/dhcp4/index.js';
import { labUnavailableReason, missingPrograms, withLab, type LabProcess, type Netns } from './index.js';
import { clientConf, dhclientArgs, serve } from './support/dhcp4-site.js';
import { digShort, expectRecord as expectAt, reverseName } from './support/dns-lab.js';

const skip = labUnavailableReason() ?? false;
const OUTPOST = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const NAMED_ADDRESS = '203.0.113.53';
const KEY = 'ddns-key.example.com';

function namedConf(dir: string, secret: string): string {
  return `options {
    directory "${dir}";
    pid-file "${dir}/named.pid";
    session-keyfile "${dir}/session.key";
    managed-keys-directory "${dir}";
    listen-on port 53 { ${NAMED_ADDRESS}; };
    listen-on-v6 { none; };
    recursion no;
    dnssec-validation no;
    notify no;
};
key "${KEY}" { algorithm hmac-sha256; secret "${secret}"; };
controls { };
zone "voice.example.com" { type primary; file "${dir}/voice.zone"; update-policy { grant ${KEY} zonesub ANY; }; };
zone "2.0.192.in-addr.arpa" { type primary; file "${dir}/reverse.zone"; allow-update { key ${KEY}; }; };
`;
}

const SOA = (origin: string) => `$ORIGIN ${origin}
$TTL 300
@ IN SOA ns1.voice.example.com. hostmaster.example.com. 1 3600 600 86400 60
  IN NS ns1.voice.example.com.
`;

const dig = (ns: Netns, name: string, type: string) => digShort(ns, NAMED_ADDRESS, name, type);
const expectRecord = (ns: Netns, name: string, type: string, want: string, why: string, timeoutMs?: number) => expectAt(ns, NAMED_ADDRESS, name, type, want, why, timeoutMs);

function startNamed(ns: Netns, dir: string): LabProcess {
  return ns.spawn('named', ['-g', '-u', 'root', '-c', join(dir, 'named.conf')]);
}

test('dhclient leases are registered in named (A, PTR) with TSIG and told so by option 81, not overwritten by another client, removed on release, and kept through named down + kill -9', { skip, timeout: 240_000 }, async () => {
  assert.deepEqual(missingPrograms(['named', 'dig', 'dhclient', 'curl']), []);
  await withLab({ tag: 'ddns' }, async (lab) => {
    const secret = randomBytes(32).toString('base64');
    const s = await serve(lab, {
      extra: {
        leaseTime: 600,
        ddns: {
          enabled: true, forwardZone: 'voice.example.com', server: { address: NAMED_ADDRESS, key: KEY },
          keys: [{ name: KEY, algorithm: 'hmac-sha256', secret }], timeoutMs: 500,
        },
      },
    });
    const dns = await lab.namespace('dns');
    await lab.link(s.server, dns, { a: '203.0.113.1/24', b: `${NAMED_ADDRESS}/24` });
    const zdir = await lab.tempDir();
    writeFileSync(join(zdir, 'named.conf'), namedConf(zdir, secret));
    writeFileSync(join(zdir, 'voice.zone'), `${SOA('voice.example.com.')}ns1 IN A ${NAMED_ADDRESS}\n`);
    writeFileSync(join(zdir, 'reverse.zone'), SOA('2.0.192.in-addr.arpa.'));
    let named = startNamed(dns, zdir);
    await named.waitForLine(/ running$/, 20_000);

    // 1. Option 81 with S set: A + DHCID and PTR.
    const conf1 = clientConf(s.dir, 'phone-1', ['send fqdn.fqdn "phone-1.voice.example.com.";', 'send fqdn.server-update on;', 'send fqdn.encoded on;']);
    const args1 = dhclientArgs(s.dir, 'phone-1', conf1);
    const phone1 = s.client.spawn('dhclient', ['-d', ...args1, s.clientIf]);
    const address1 = /bound to (\S+)/.exec(await phone1.waitForLine(/bound to \d+\.\d+\.\d+\.\d+/, 30_000))![1]!;
    await expectRecord(dns, 'phone-1.voice.example.com', 'A', address1, 'the lease is registered');
    await expectRecord(dns, reverseName(address1), 'PTR', 'phone-1.voice.example.com.', 'its PTR');
    assert.match(await dig(dns, 'phone-1.voice.example.com', 'DHCID'), /^[A-Za-z0-9+/=]+$/, 'the DHCID guard record is there');
    // The ACK answered option 81 (RFC 4702 §4): dhclient keeps it, raw and decoded, in its lease file.
    const lease1 = readFileSync(join(s.dir, 'phone-1.leases'), 'utf8');
    const raw81 = /option fqdn ([0-9a-f:]+);/.exec(lease1)?.[1]?.split(':').map((b) => parseInt(b, 16));
    assert.deepEqual(raw81?.slice(0, 3), [FqdnFlag.E | FqdnFlag.S, 255, 255], `option 81 back with E and S (no O, no N), RCODEs 255:\n${lease1}`);
    for (const line of ['fqdn.server-update true', 'fqdn.no-client-update false', 'fqdn.fqdn "phone-1.voice.example.com"']) {
      assert.ok(lease1.includes(`option ${line};`), `${line}:\n${lease1}`);
    }

    // 2. Another client (its own client id) asks for the same name: not overwritten.
    const mark = s.daemon.mark();
    const conf2 = clientConf(s.dir, 'intruder', ['send dhcp-client-identifier "intruder";', 'send host-name "phone-1";']);
    const intruder = await s.client.run('dhclient', ['-1', ...dhclientArgs(s.dir, 'intruder', conf2), s.clientIf], { timeoutMs: 40_000 });
    assert.equal(intruder.code, 0, intruder.stderr);
    assert.doesNotMatch(readFileSync(join(s.dir, 'intruder.leases'), 'utf8'), /option fqdn/, 'no option 81 sent: none back');
    const conflict = await s.daemon.waitForLine(/"code":"DDNS_CONFLICT"/, 15_000, mark);
    assert.match(conflict, /"fqdn":"phone-1\.voice\.example\.com\."/);
    assert.equal(await dig(dns, 'phone-1.voice.example.com', 'A'), address1, 'the first client keeps its name');

    // 3. Release: both records gone.
    const released = await s.client.run('dhclient', ['-r', ...args1, s.clientIf], { timeoutMs: 20_000 });
    assert.equal(released.code, 0, released.stderr);
    await expectRecord(dns, 'phone-1.voice.example.com', 'A', '', 'the A record is removed at release');
    await expectRecord(dns, reverseName(address1), 'PTR', '', 'the PTR is removed at release');

    // 4. named down: a new lease's change waits in the queue, through a kill -9 of the daemon.
    await named.stop();
    const before = s.daemon.mark();
    const conf3 = clientConf(s.dir, 'phone-3', ['send dhcp-client-identifier "phone-3";', 'send host-name "phone-3";']);
    const phone3 = await s.client.run('dhclient', ['-1', ...dhclientArgs(s.dir, 'phone-3', conf3), s.clientIf], { timeoutMs: 40_000 });
    assert.equal(phone3.code, 0, phone3.stderr);
    const [lease3] = (await s.leases('hostname=phone-3')).filter((l) => l.state === 'bound');
    assert.ok(lease3, 'phone-3 is bound');
    await s.daemon.waitForLine(/"code":"DDNS_RETRY".*phone-3/, 15_000, before);
    assert.ok(((await s.metric('outpost_ddns_queue_depth')) ?? 0) >= 1, 'the change is queued');
    s.daemon.killSync();
    await s.daemon.wait();
    const daemon = s.server.spawn(process.execPath, [OUTPOST, 'site', 'run', '--config', join(s.dir, 'site.json')]);
    const opened = await daemon.waitForLine(/"code":"DDNS_QUEUE_OPENED"/, 20_000);
    assert.ok((JSON.parse(opened) as { pending: number }).pending >= 1, opened);
    await daemon.waitForLine(/"code":"DHCP_LISTENING"/, 20_000);
    named = startNamed(dns, zdir);
    await named.waitForLine(/ running$/, 20_000);
    await expectRecord(dns, 'phone-3.voice.example.com', 'A', lease3.address, 'the queued change is delivered after the restart', 60_000);
    await expectRecord(dns, reverseName(lease3.address), 'PTR', 'phone-3.voice.example.com.', 'and its PTR', 20_000);
    phone1.killSync();
  });
});
