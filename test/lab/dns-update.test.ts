// DNS UPDATE (RFC 2136) to Outpost's own authoritative server, from real clients.
//
// One switch: Outpost (`outpost site run`) is the primary of voice.example.com
// (192.0.2.53), taking updates signed with upd-key for names below the apex and the
// types A, AAAA, TXT, CNAME, SRV; an Outpost secondary of it (192.0.2.54, transfers
// signed with xfr-key, forwardUpdates by default) and BIND's named as a second secondary
// (192.0.2.55) hear its NOTIFYs; a client (192.0.2.20) runs nsupdate, knsupdate and dig.
//   1. nsupdate: prerequisites nxdomain, yxdomain, nxrrset, yxrrset (value-independent
//      and -dependent), each failure answered with its RCODE and nothing changed;
//   2. knsupdate over TCP: add and delete under prerequisites;
//   3. AAAA, TXT, SRV, CNAME; CNAME-and-other-data and duplicate RRs ignored (§3.4.2.2);
//   4. refusals (unsigned, a key no rule names, an unknown key, a wrong secret, a name
//      or a type outside the rule, NOTZONE, NOTAUTH) leave the zone as it was;
//   5. an update sent to the Outpost secondary is forwarded (RFC 2136 §6), the primary's
//      answers relayed; 6. the change comes back to the secondary by NOTIFY + IXFR;
//   7. named gets an update by IXFR;
//   8. durability: kill -9 right after NOERROR, restart: the record and serial are there.
// A second lab: one site daemon with DHCP and DNS registers a real dhclient's lease in
// its own zones (A, PTR) and removes them at `dhclient -r`.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { labUnavailableReason, missingPrograms, withLab, type Lab, type LabProcess, type Netns } from './index.js';
import { clientConf, dhclientArgs, serve } from './support/dhcp4-site.js';
import { digShort, dnsSite, expectRecord, logLines, namedSecondaryConf, reverseName, until, type DnsSite } from './support/dns-lab.js';

const skip = labUnavailableReason() ?? false;
const PRIMARY = '192.0.2.53';
const SECONDARY = '192.0.2.54';
const BIND = '192.0.2.55';
const CLIENT = '192.0.2.20';
const ZONE = 'voice.example.com.';
const FIRST_SERIAL = 2026120101;

const key = (name: string) => ({ name, algorithm: 'hmac-sha256', secret: randomBytes(32).toString('base64') });
const fqdn = (host: string) => `${host}.${ZONE}`;

const zoneText = (nameServer: string) => `$ORIGIN ${ZONE}
$TTL 300
@     SOA   ns1 hostmaster ${FIRST_SERIAL} 3600 600 86400 60
@     NS    ns1
ns1   A     ${nameServer}
pbx   A     192.0.2.10
`;

interface Setup {
  client: Netns;
  primary: DnsSite;
  secondary: DnsSite;
  bindLog: string;
  upd: ReturnType<typeof key>;
  other: ReturnType<typeof key>;
}

async function setUp(lab: Lab): Promise<Setup> {
  const primaryNs = await lab.namespace('primary');
  const sw = await lab.bridge(primaryNs, { address: `${PRIMARY}/24` });
  const [secondaryNs, bindNs, client] = [await lab.namespace('secondary'), await lab.namespace('bind'), await lab.namespace('client')];
  await lab.attach(sw, secondaryNs, { address: `${SECONDARY}/24` });
  await lab.attach(sw, bindNs, { address: `${BIND}/24` });
  await lab.attach(sw, client, { address: `${CLIENT}/24` });
  const [upd, other, xfr] = [key('upd-key'), key('other-key'), key('xfr-key')];

  const primaryDir = await lab.tempDir();
  writeFileSync(join(primaryDir, 'voice.zone'), zoneText(PRIMARY));
  const primary = await dnsSite(primaryNs, primaryDir, {
    listen: [{ address: PRIMARY }], dataDir: 'data', keys: [upd, other, xfr],
    zones: [{
      name: 'voice.example.com', type: 'primary', file: 'voice.zone',
      allowUpdate: [{ key: 'upd-key', names: ['*.voice.example.com'], types: ['A', 'AAAA', 'TXT', 'CNAME', 'SRV'] }],
      notify: [{ address: SECONDARY, key: 'xfr-key' }, { address: BIND }],
      allowTransfer: [{ from: [`${SECONDARY}/32`], key: 'xfr-key' }, { from: [`${BIND}/32`] }],
    }],
  }, 'dns-primary');
  // The secondary knows the transfer key only: the client's update key is the primary's business.
  const secondary = await dnsSite(secondaryNs, await lab.tempDir(), {
    listen: [{ address: SECONDARY }], dataDir: 'data', keys: [xfr],
    zones: [{ name: 'voice.example.com', type: 'secondary', primaries: [{ address: PRIMARY, key: 'xfr-key' }] }],
  }, 'dns-secondary');
  const bindDir = join(await lab.tempDir(), 'bind');
  mkdirSync(bindDir);
  writeFileSync(join(bindDir, 'named.conf'), namedSecondaryConf(bindDir, { listen: BIND, primary: PRIMARY, zone: ZONE }));
  bindNs.spawn('named', ['-f', '-n', '1', '-c', join(bindDir, 'named.conf')]);
  await expectRecord(client, SECONDARY, fqdn('pbx'), 'A', '192.0.2.10', 'the Outpost secondary transferred the zone');
  await expectRecord(client, BIND, fqdn('pbx'), 'A', '192.0.2.10', 'named transferred the zone');
  return { client, primary, secondary, bindLog: join(bindDir, 'named.log'), upd, other };
}

/** `-y` of nsupdate: algorithm:name:secret. */
const tsigArg = (k: { name: string; algorithm: string; secret: string }) => `${k.algorithm}:${k.name}:${k.secret}`;

/**
 * Runs nsupdate from ns against server with these lines between `server`/`zone` and
 * `send`, signed with `y` (null: unsigned); returns the RCODE it reports ("NOERROR", "YXDOMAIN", "NOTAUTH(BADSIG)", …)
 * and what it printed.
 */
async function nsupdate(ns: Netns, server: string, lines: string[], y: string | null, zone = ZONE): Promise<{ rcode: string; out: string }> {
  const script = [`server ${server}`, `zone ${zone}`, ...lines, 'send', ''].join('\n');
  const r = await ns.run('nsupdate', ['-t', '10', '-u', '3', '-r', '1', ...(y === null ? [] : ['-y', y])], { input: script, timeoutMs: 20_000 });
  const out = `${r.stdout}${r.stderr}`;
  const rcode = r.code === 0 ? 'NOERROR' : /update failed: (\S+)/.exec(out)?.[1] ?? `no RCODE (exit ${r.code}): ${out}`;
  return { rcode, out };
}

async function serialAt(ns: Netns, server: string): Promise<number> {
  const soa = await digShort(ns, server, ZONE, 'SOA');
  const serial = Number(soa.split(/\s+/)[2]);
  assert.ok(Number.isInteger(serial), `SOA from ${server}: "${soa}"`);
  return serial;
}

test('DNS UPDATE to Outpost: prerequisites, nsupdate and knsupdate, refusals, forwarding by a secondary, IXFR to named, durability through kill -9', { skip, timeout: 150_000 }, async (t) => {
  assert.deepEqual(missingPrograms(['named', 'dig', 'nsupdate', 'knsupdate']), []);
  await withLab({ tag: 'dns-update' }, async (lab) => {
    const s = await setUp(lab);
    const { client } = s;
    const signed = tsigArg(s.upd);
    const update = (lines: string[], y: string | null = signed, server = PRIMARY) => nsupdate(client, server, lines, y);
    const serial = () => serialAt(client, PRIMARY);
    const dig = (host: string, type = 'A', server = PRIMARY) => digShort(client, server, fqdn(host), type);

    await t.test('1. nsupdate: prerequisites (RFC 2136 §2.4, §3.2) decide, failures change nothing, each accepted update is served with serial + 1', async () => {
      const s0 = await serial();
      const add = ['prereq nxdomain a1.voice.example.com.', 'update add a1.voice.example.com. 300 A 192.0.2.101'];
      assert.equal((await update(add)).rcode, 'NOERROR', 'an add under "prereq nxdomain" of a new name is applied');
      assert.equal(await dig('a1'), '192.0.2.101', 'the A record is served right after NOERROR');
      assert.equal(await serial(), s0 + 1, 'the SOA serial went up by 1');

      assert.equal((await update(add)).rcode, 'YXDOMAIN', '"prereq nxdomain" of a name that exists → YXDOMAIN (§2.4.5, §3.2.5)');
      const txt = 'update add a1.voice.example.com. 300 TXT "never"';
      assert.equal((await update(['prereq yxrrset a1.voice.example.com. A 192.0.2.99', txt])).rcode, 'NXRRSET',
        'value-dependent "prereq yxrrset" with an RR that is not there → NXRRSET (§2.4.2, §3.2.5)');
      assert.equal((await update(['prereq nxrrset a1.voice.example.com. A', txt])).rcode, 'YXRRSET', '"prereq nxrrset" of an RRset that exists → YXRRSET (§2.4.3, §3.2.5)');
      assert.equal((await update(['prereq yxdomain missing.voice.example.com.', 'update add missing.voice.example.com. 300 A 192.0.2.98'])).rcode, 'NXDOMAIN',
        '"prereq yxdomain" of a name that does not exist → NXDOMAIN (§2.4.4, §3.2.5)');
      assert.deepEqual([await dig('a1', 'TXT'), await dig('missing'), await serial()], ['', '', s0 + 1], 'the failed updates changed nothing, not even the serial');

      const del = await update(['prereq yxrrset a1.voice.example.com. A', 'update delete a1.voice.example.com. A']);
      assert.equal(del.rcode, 'NOERROR', `a delete under value-independent "prereq yxrrset" is applied\n${del.out}`);
      assert.equal(await dig('a1'), '', 'the A record is gone');
      assert.equal(await serial(), s0 + 2, 'the serial went up by 1 again');
    });

    await t.test('2. knsupdate over TCP: add under "prereq nxdomain", the same again YXDOMAIN, delete under a value-dependent "prereq yxrrset"', async () => {
      const s0 = await serial();
      const knsupdate = async (lines: string[]) => {
        const script = [`server ${PRIMARY}`, `zone ${ZONE}`, `key hmac-sha256:${s.upd.name} ${s.upd.secret}`, ...lines, 'send', 'answer', ''].join('\n');
        const r = await client.run('knsupdate', ['-v', '-r', '1', '-t', '5'], { input: script, timeoutMs: 20_000 });
        const out = `${r.stdout}${r.stderr}`;
        return { status: /status: (\w+)/.exec(out)?.[1] ?? `no status (exit ${r.code}): ${out}`, out };
      };
      const add = ['prereq nxdomain k1.voice.example.com.', 'add k1.voice.example.com. 300 A 192.0.2.102'];
      const added = await knsupdate(add);
      assert.equal(added.status, 'NOERROR', `knsupdate's add is applied\n${added.out}`);
      assert.match(added.out, /upd-key\.\s+0\s+ANY\s+TSIG\s+hmac-sha256\. \d+ 300 32 \S+ \d+ NOERROR 0/, `the answer is signed with upd-key\n${added.out}`);
      assert.equal(await dig('k1'), '192.0.2.102', 'served after knsupdate');
      assert.equal(await serial(), s0 + 1);
      assert.equal((await knsupdate(add)).status, 'YXDOMAIN', 'the same add again fails its prerequisite');
      const deleted = await knsupdate(['prereq yxrrset k1.voice.example.com. A 192.0.2.102', 'del k1.voice.example.com. A']);
      assert.equal(deleted.status, 'NOERROR', `knsupdate's delete is applied\n${deleted.out}`);
      assert.equal(await dig('k1'), '', 'gone after the delete');
      assert.equal(await serial(), s0 + 2);
    });

    await t.test('3. the rule\'s other types in one update (AAAA, TXT, SRV, CNAME); CNAME and other data exclude each other and duplicates are ignored (§3.4.2.2)', async () => {
      const s0 = await serial();
      const added = await update([
        'update add t1.voice.example.com. 300 AAAA 2001:db8::5', 'update add t1.voice.example.com. 300 TXT "site=lab" "floor=2"',
        'update add _sip._udp.t1.voice.example.com. 300 SRV 10 60 5060 pbx.voice.example.com.', 'update add c1.voice.example.com. 300 CNAME pbx.voice.example.com.',
      ]);
      assert.equal(added.rcode, 'NOERROR', added.out);
      assert.deepEqual([await dig('t1', 'AAAA'), await dig('t1', 'TXT'), await dig('_sip._udp.t1', 'SRV'), await dig('c1', 'CNAME')],
        ['2001:db8::5', '"site=lab" "floor=2"', `10 60 5060 ${fqdn('pbx')}`, fqdn('pbx')], 'every record of the update is served as sent');
      assert.equal(await serial(), s0 + 1, 'one update, one serial step');
      assert.equal((await update(['update add c1.voice.example.com. 300 TXT "beside a CNAME"', 'update add t1.voice.example.com. 300 CNAME pbx.voice.example.com.', 'update add t1.voice.example.com. 300 AAAA 2001:db8::5'])).rcode, 'NOERROR');
      assert.deepEqual([await dig('c1', 'CNAME'), await dig('t1', 'CNAME'), await dig('t1', 'AAAA')], [fqdn('pbx'), '', '2001:db8::5'],
        'a non-CNAME RR at a CNAME and a CNAME beside other data are ignored, a duplicate RR is not added twice');
      assert.equal(await dig('c1', 'TXT'), fqdn('pbx'), 'c1 TXT is answered by the CNAME alone: no TXT was added beside it');
    });

    await t.test('4. refusals: unsigned, a key no rule names, an unknown key, a wrong secret, a name or type outside the rule, NOTZONE, NOTAUTH — the zone unchanged', async () => {
      const s0 = await serial();
      const add = ['update add r1.voice.example.com. 300 A 192.0.2.103'];
      assert.equal((await update(add, null)).rcode, 'REFUSED', 'an unsigned update is refused (no rule allows it)');
      assert.equal((await update(add, tsigArg(s.other))).rcode, 'REFUSED', 'signed with a key the server knows but no allowUpdate rule names → REFUSED');
      assert.equal((await update(add, tsigArg({ ...s.upd, name: 'nobody-key' }))).rcode, 'NOTAUTH(BADKEY)', 'a key the server does not know → NOTAUTH, TSIG error BADKEY (RFC 8945 §5.2.1)');
      const badsig = await update(add, tsigArg({ ...s.upd, secret: randomBytes(32).toString('base64') }));
      assert.equal(badsig.rcode, 'NOTAUTH(BADSIG)', `upd-key with a wrong secret → NOTAUTH, TSIG error BADSIG (RFC 8945 §5.2.2)\n${badsig.out}`);
      assert.match(badsig.out, /TSIG error with server/, 'nsupdate reports the TSIG error');
      assert.equal((await update(['update add voice.example.com. 300 TXT "apex"'])).rcode, 'REFUSED', 'the apex is not below "*.voice.example.com": REFUSED');
      assert.equal((await update(['update add r1.voice.example.com. 300 MX 10 pbx.voice.example.com.'])).rcode, 'REFUSED', 'MX is not among the rule\'s types: REFUSED');
      assert.equal((await update([...add, 'update add r1.voice.example.com. 300 MX 10 pbx.voice.example.com.'])).rcode, 'REFUSED',
        'one RR outside the rule refuses the whole update, the allowed A included (§3.3, §3.4: all or nothing)');
      assert.equal((await update(['prereq yxdomain pbx.example.org.', ...add])).rcode, 'NOTZONE', 'a prerequisite name outside the zone → NOTZONE (§3.2.5)');
      assert.equal((await nsupdate(client, PRIMARY, ['update add h.example.org. 300 A 192.0.2.104'], signed, 'example.org.')).rcode, 'NOTAUTH',
        'a zone this server is not authoritative for → NOTAUTH (§3.1.2)');
      assert.deepEqual([await dig('r1'), await dig('r1', 'MX'), await digShort(client, PRIMARY, ZONE, 'TXT'), await serial()], ['', '', '', s0],
        'nothing of the refused updates is served and the serial is the same');
    });

    let forwardedSerial = 0;
    await t.test('5. an update sent to the Outpost secondary is forwarded to the primary (RFC 2136 §6) and the primary\'s answers relayed', async () => {
      const s0 = await serial();
      const add = ['prereq nxdomain f1.voice.example.com.', 'update add f1.voice.example.com. 300 A 192.0.2.105'];
      const forwarded = await update(add, signed, SECONDARY);
      assert.equal(forwarded.rcode, 'NOERROR', `the secondary relays the primary's NOERROR\n${forwarded.out}\n${s.secondary.daemon.output().slice(-3000)}`);
      assert.equal(await dig('f1'), '192.0.2.105', 'the primary applied the forwarded update');
      assert.equal(await serial(), s0 + 1, 'serial + 1 at the primary');
      forwardedSerial = s0 + 1;
      assert.equal((await update(add, signed, SECONDARY)).rcode, 'YXDOMAIN', 'a failed prerequisite at the primary is relayed as such');
      assert.equal((await update(['update add f2.voice.example.com. 300 A 192.0.2.106'], null, SECONDARY)).rcode, 'REFUSED', 'an unsigned update through the secondary is refused');
      assert.equal(await serial(), s0 + 1, 'the relayed failures changed nothing');
    });

    // The secondary's primary has xfr-key: it accepts only a NOTIFY signed with it (the
    // primary's `notify` entry names the key), else it would see the change at its next
    // SOA refresh (3600 s).
    await t.test('6. the Outpost secondary gets the forwarded change by a signed NOTIFY + IXFR within 20 s', async () => {
      assert.ok(forwardedSerial > 0, 'case 5 forwarded an update');
      const ms = await expectRecord(client, SECONDARY, fqdn('f1'), 'A', '192.0.2.105',
        `the secondary serves the change\n${logLines(s.secondary.daemon, 'DNS_NOTIFY_REFUSED').map((l) => JSON.stringify(l)).join('\n')}`, 20_000);
      assert.ok(logLines(s.secondary.daemon, 'DNS_NOTIFY_RECEIVED').some((l) => l.serial === forwardedSerial), `the primary's NOTIFY of serial ${forwardedSerial} was taken`);
      const transfer = logLines(s.secondary.daemon, 'DNS_SECONDARY_TRANSFERRED').find((l) => l.serial === forwardedSerial);
      assert.equal(transfer?.kind, 'ixfr', `the secondary took serial ${forwardedSerial} by IXFR after ${ms} ms: ${JSON.stringify(transfer)}`);
    });

    await t.test('7. named, a secondary of our primary, gets an update by IXFR after our NOTIFY', async () => {
      await until('named at the primary\'s serial', async () => (await serialAt(client, BIND)) === (await serial()) || undefined, 20_000);
      const s0 = await serial();
      assert.equal((await update(['update add b1.voice.example.com. 300 TXT "from nsupdate"', 'update add b1.voice.example.com. 300 A 192.0.2.107'])).rcode, 'NOERROR');
      const ms = await expectRecord(client, BIND, fqdn('b1'), 'A', '192.0.2.107', 'named serves the update', 20_000);
      assert.equal(await dig('b1', 'TXT', BIND), '"from nsupdate"');
      const log = readFileSync(s.bindLog, 'utf8');
      const asked = log.indexOf(`requesting IXFR for serial ${s0}`);
      assert.ok(asked >= 0, `named asked for IXFR from serial ${s0} (after ${ms} ms)\n${log.slice(-3000)}`);
      assert.match(log.slice(asked), /got incremental response/, `named got an incremental answer\n${log.slice(asked, asked + 3000)}`);
    });

    await t.test('8. durability: kill -9 right after NOERROR, restart: the record is served with the same serial; the next update continues from it', async () => {
      const s0 = await serial();
      const add = await update(['prereq nxdomain d1.voice.example.com.', 'update add d1.voice.example.com. 300 A 192.0.2.108']);
      s.primary.daemon.killSync();
      assert.equal(add.rcode, 'NOERROR', add.out);
      const killed = await s.primary.daemon.wait();
      assert.equal(killed.signal, 'SIGKILL', 'the primary was killed, not stopped');
      await s.primary.start();
      assert.equal(await dig('d1'), '192.0.2.108', 'the acknowledged update survived kill -9');
      assert.equal(await serial(), s0 + 1, 'with the serial it was acknowledged at');
      assert.equal((await update(['prereq nxdomain d2.voice.example.com.', 'update add d2.voice.example.com. 300 A 192.0.2.109'])).rcode, 'NOERROR');
      assert.deepEqual([await dig('d1'), await dig('d2'), await serial()], ['192.0.2.108', '192.0.2.109', s0 + 2], 'the next update after the restart goes on from that serial');
    });
  });
});

test('DHCP → our own zones: a site daemon with DHCP and DNS registers a dhclient lease as A and PTR in its own server, removed at dhclient -r', { skip, timeout: 90_000 }, async () => {
  assert.deepEqual(missingPrograms(['dig', 'dhclient']), []);
  await withLab({ tag: 'dns-update-dhcp' }, async (lab) => {
    const upd = key('upd-key');
    const zdir = await lab.tempDir();
    writeFileSync(join(zdir, 'voice.zone'), zoneText('192.0.2.1'));
    writeFileSync(join(zdir, 'reverse.zone'), `$ORIGIN 2.0.192.in-addr.arpa.\n$TTL 300\n@ SOA ns1.${ZONE} hostmaster.${ZONE} 1 3600 600 86400 60\n@ NS ns1.${ZONE}\n`);
    const types = ['A', 'PTR', 'DHCID'];
    const s = await serve(lab, {
      extra: { ddns: { enabled: true, forwardZone: 'voice.example.com', server: { address: '192.0.2.1', key: upd.name }, timeoutMs: 500 } },
      sections: {
        dns: {
          listen: [{ address: '192.0.2.1' }], dataDir: join(zdir, 'data'), keys: [upd],
          zones: [
            { name: 'voice.example.com', type: 'primary', file: join(zdir, 'voice.zone'), allowUpdate: [{ key: upd.name, names: ['*.voice.example.com'], types }] },
            { name: '2.0.192.in-addr.arpa', type: 'primary', file: join(zdir, 'reverse.zone'), allowUpdate: [{ key: upd.name, names: ['*.2.0.192.in-addr.arpa'], types }] },
          ],
        },
      },
    });
    await s.daemon.waitForLine(/"code":"DNS_LISTENING"/, 10_000);
    const conf = clientConf(s.dir, 'phone-1', ['send fqdn.fqdn "phone-1.voice.example.com.";', 'send fqdn.server-update on;', 'send fqdn.encoded on;']);
    const args = dhclientArgs(s.dir, 'phone-1', conf);
    const phone: LabProcess = s.client.spawn('dhclient', ['-d', ...args, s.clientIf]);
    const address = /bound to (\S+)/.exec(await phone.waitForLine(/bound to \d+\.\d+\.\d+\.\d+/, 30_000))![1]!;
    await expectRecord(s.server, '192.0.2.1', fqdn('phone-1'), 'A', address, `the lease is registered in our own zone\n${s.daemon.output().slice(-3000)}`);
    await expectRecord(s.server, '192.0.2.1', reverseName(address), 'PTR', fqdn('phone-1'), 'and its PTR in our own reverse zone');
    assert.match(await digShort(s.server, '192.0.2.1', fqdn('phone-1'), 'DHCID'), /^[A-Za-z0-9+/=]+$/, 'with the DHCID guard record');

    const released = await s.client.run('dhclient', ['-r', ...args, s.clientIf], { timeoutMs: 20_000 });
    assert.equal(released.code, 0, released.stderr);
    await expectRecord(s.server, '192.0.2.1', fqdn('phone-1'), 'A', '', 'the A record is removed at release');
    await expectRecord(s.server, '192.0.2.1', reverseName(address), 'PTR', '', 'the PTR is removed at release');
    phone.killSync();
  });
});
