// Outpost's DHCPv4 server (the real `outpost site run`) under perfdhcp with its address
// uniqueness check (-u): many distinct clients, each DORA exchange must end with an
// address no other client was given, and the server must hold exactly one lease per
// acknowledged exchange.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labUnavailableReason, missingPrograms, withLab } from './index.js';
import { startSite } from './support/dhcp4-site.js';

const skip = labUnavailableReason() ?? false;
const EXCHANGES = Number(process.env.OUTPOST_LAB_PERFDHCP_EXCHANGES ?? 100_000);
const RATE = Number(process.env.OUTPOST_LAB_PERFDHCP_RATE ?? 2_000);

/** The number after `label:` in perfdhcp's statistics block `name`. */
function stat(out: string, name: string, label: string): number {
  const start = out.indexOf(`***Statistics for: ${name}***`);
  assert.ok(start >= 0, `perfdhcp printed no ${name} statistics:\n${out}`);
  const next = out.indexOf('***Statistics for:', start + 1);
  const m = new RegExp(`^${label}: (\\d+)`, 'm').exec(out.slice(start, next < 0 ? undefined : next));
  assert.ok(m?.[1], `perfdhcp ${name} statistics have no "${label}":\n${out}`);
  return Number(m[1]);
}

test(`perfdhcp -u: ${EXCHANGES} distinct clients, no address given twice, one lease per ACK`, { skip, timeout: 180_000 }, (t) =>
  withLab({ tag: 'dhcp4-perf' }, async (lab) => {
    assert.deepEqual(missingPrograms(['perfdhcp', 'curl']), []);
    const server = await lab.namespace('server');
    const client = await lab.namespace('client');
    const ends = await lab.link(server, client, { a: '198.18.0.1/15', b: '198.18.0.2/15' });
    const dir = await lab.tempDir();
    // perfdhcp acts as a relay (giaddr 198.18.0.2): the subnet is reached through it.
    const site = await startSite(server, dir, {
      interfaces: [{ name: ends.a, address: '198.18.0.1' }],
      leaseTime: 3600,
      subnets: [{ id: 1, subnet: '198.18.0.0/15', pools: [{ start: '198.18.1.0', end: '198.19.255.254' }] }],
    });
    const seconds = Math.ceil(EXCHANGES / RATE) + 20;
    // -n: exchanges; -p: hard time limit; -u: address uniqueness check. -R: the client
    // MACs are drawn in turn from this many; perfdhcp starts a few exchanges more than
    // -n, and with -R equal to -n those reuse a MAC (a client asking twice is not a
    // duplicate), so -R is twice -n.
    const args = ['-4', '-g', 'single', '-l', '198.18.0.2', '-r', String(RATE), '-n', String(EXCHANGES), '-p', String(seconds),
      '-R', String(2 * EXCHANGES), '-u', '-W', '500000', '198.18.0.1'];
    const started = Date.now();
    const r = await client.run('perfdhcp', args, { timeoutMs: (seconds + 30) * 1000 });
    const out = `${r.stdout}\n${r.stderr}`;
    t.diagnostic(`perfdhcp ${args.join(' ')}: exit ${r.code} in ${Date.now() - started} ms`);
    assert.ok(!r.timedOut, `perfdhcp outlived its time limit:\n${out}`);
    assert.ok(r.code === 0 || r.code === 3, `perfdhcp failed (exit ${r.code ?? r.signal}):\n${out}`); // 3: some exchanges dropped
    assert.match(out, /^Malformed packets: 0$/m, out);
    const discovers = stat(out, 'DISCOVER-OFFER', 'sent packets');
    const requests = stat(out, 'REQUEST-ACK', 'sent packets');
    const acks = stat(out, 'REQUEST-ACK', 'received packets');
    const requestDrops = stat(out, 'REQUEST-ACK', 'drops');
    t.diagnostic(`DISCOVER ${discovers}, OFFER ${stat(out, 'DISCOVER-OFFER', 'received packets')}, REQUEST ${requests}, ACK ${acks}, REQUEST drops ${requestDrops}`);
    // The uniqueness check: no OFFER and no ACK named an address seen before.
    assert.equal(stat(out, 'DISCOVER-OFFER', 'non unique addresses'), 0, out);
    assert.equal(stat(out, 'REQUEST-ACK', 'non unique addresses'), 0, out);
    assert.equal(stat(out, 'DISCOVER-OFFER', 'rejected leases'), 0, out);
    assert.equal(stat(out, 'REQUEST-ACK', 'rejected leases'), 0, out);
    assert.ok(discovers >= EXCHANGES, `perfdhcp started only ${discovers} of ${EXCHANGES} exchanges within ${seconds} s`);
    assert.ok(acks >= 0.8 * EXCHANGES, `only ${acks} of ${EXCHANGES} exchanges completed:\n${out}`);

    // The server's side: every ACK it sent made a lease of its own (the store is keyed
    // by address, so an address given twice would leave fewer leases than ACKs), and
    // they are the ACKs perfdhcp got, plus at most the ones it gave up waiting for.
    const leases = await site.metric('outpost_dhcp4_leases');
    const serverAcks = await site.metric('outpost_dhcp4_sent_total{type="ACK"}');
    t.diagnostic(`server: ${leases} leases, ${serverAcks} ACKs sent`);
    assert.equal(leases, serverAcks, 'one lease per ACK the server sent');
    assert.ok(leases! >= acks && leases! <= acks + requestDrops, `server leases ${leases}, perfdhcp ACKs ${acks} (+${requestDrops} dropped)`);
    assert.equal(await site.metric('outpost_dhcp4_sent_total{type="NAK"}') ?? 0, 0, 'no NAK');
  }));
