// Self-tests of the lab topology: namespaces, veth links, bridges, link state,
// impairment (delay, loss) and partitions, each checked by traffic actually crossing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { command } from './command.js';
import { LabAddressError, labUnavailableReason, netemMechanism, withLab } from './index.js';
import { median, probe, startEcho } from './support/udp.js';

const skip = labUnavailableReason() ?? false;
const opts = { skip, timeout: 60_000 };

describe('lab topology', () => {
  test('a veth link carries traffic between two namespaces named after the run', opts, () =>
    withLab({ tag: 'topo' }, async (lab) => {
      const a = await lab.namespace('a');
      const b = await lab.namespace('b');
      const ends = await lab.link(a, b, { a: '192.0.2.1/24', b: '192.0.2.2/24' });

      assert.ok(a.name.startsWith(`op-${lab.runId}-`), a.name);
      for (const ifname of [ends.a, ends.b]) {
        assert.ok(ifname.length <= 15 && ifname.includes(lab.run.tag), ifname);
      }
      const netnsList = await command('ip', ['netns', 'list']);
      assert.match(netnsList, new RegExp(`^${a.name}\\b`, 'm'));
      assert.match(await a.ip('-o', 'addr', 'show', 'dev', ends.a), /inet 192\.0\.2\.1\/24/);
      assert.doesNotMatch(await a.ip('-o', 'addr', 'show', 'dev', ends.a), /inet6/, 'no IPv6 link-local on lab links');
      assert.doesNotMatch(await command('ip', ['-o', 'link']), new RegExp(lab.run.tag), 'nothing in the host namespace');

      await startEcho(b);
      const r = await probe(a, '192.0.2.2');
      assert.equal(r.received, r.sent);
    }),
  );

  test('link down stops traffic and link up restores it', opts, () =>
    withLab({ tag: 'updown' }, async (lab) => {
      const a = await lab.namespace('a');
      const b = await lab.namespace('b');
      const ends = await lab.link(a, b, { a: '198.51.100.1/24', b: '198.51.100.2/24' });
      await startEcho(b);

      await b.setLink(ends.b, false);
      assert.match(await b.ip('-o', 'link', 'show', 'dev', ends.b), /state DOWN/);
      assert.equal((await probe(a, '198.51.100.2', { count: 5 })).received, 0);

      await b.setLink(ends.b, true);
      assert.equal((await probe(a, '198.51.100.2', { count: 5 })).received, 5);
    }),
  );

  test('netem delay adds latency, loss drops packets, clearNetem restores the link', opts, () =>
    withLab({ tag: 'netem' }, async (lab) => {
      const a = await lab.namespace('a');
      const b = await lab.namespace('b');
      const ends = await lab.link(a, b, { a: '203.0.113.1/24', b: '203.0.113.2/24' });
      await startEcho(b);
      const baseline = median((await probe(a, '203.0.113.2')).rttsMs);

      await a.netem(ends.a, { delayMs: 100 });
      const delayed = await probe(a, '203.0.113.2', { count: 10 });
      assert.equal(delayed.received, 10);
      const delayedMedian = median(delayed.rttsMs);
      assert.ok(delayedMedian >= 95 && delayedMedian < 400, `median rtt ${delayedMedian} ms with 100 ms delay (${netemMechanism()})`);

      await a.netem(ends.a, { lossPercent: 100 });
      assert.equal((await probe(a, '203.0.113.2', { count: 5 })).received, 0);

      // 60 datagrams at 50 % loss: P(received outside 10..50) is below 1e-7.
      await a.netem(ends.a, { lossPercent: 50 });
      const lossy = await probe(a, '203.0.113.2', { count: 60, intervalMs: 5 });
      assert.ok(lossy.received >= 10 && lossy.received <= 50, `received ${lossy.received}/60 at 50 % loss`);

      await a.clearNetem(ends.a);
      const cleared = await probe(a, '203.0.113.2');
      assert.equal(cleared.received, cleared.sent);
      assert.ok(median(cleared.rttsMs) < baseline + 50, `rtt back to ${median(cleared.rttsMs)} ms`);
    }),
  );

  test('partition cuts two bridged namespaces apart both ways, spares a third, heal restores', opts, () =>
    withLab({ tag: 'split' }, async (lab) => {
      const sw = await lab.namespace('switch');
      const bridge = await lab.bridge(sw);
      const [s1, s2, client] = [await lab.namespace('s1'), await lab.namespace('s2'), await lab.namespace('client')];
      await lab.attach(bridge, s1, { address: '198.18.0.1/24' });
      await lab.attach(bridge, s2, { address: '198.18.0.2/24' });
      await lab.attach(bridge, client, { address: '198.18.0.3/24' });
      for (const ns of [s1, s2, client]) await startEcho(ns);
      assert.equal((await probe(s1, '198.18.0.2', { count: 5 })).received, 5);

      await lab.partition(s1, s2);
      assert.equal((await probe(s1, '198.18.0.2', { count: 5 })).received, 0, 's1 -> s2 cut');
      assert.equal((await probe(s2, '198.18.0.1', { count: 5 })).received, 0, 's2 -> s1 cut');
      assert.equal((await probe(client, '198.18.0.1', { count: 5 })).received, 5, 'client -> s1 unaffected');
      assert.equal((await probe(client, '198.18.0.2', { count: 5 })).received, 5, 'client -> s2 unaffected');
      await assert.rejects(lab.partition(s2, s1), /partitioned already/);

      await lab.heal(s1, s2);
      assert.equal((await probe(s1, '198.18.0.2', { count: 5 })).received, 5);
    }),
  );

  test('the lab refuses addresses and routes outside the lab ranges before configuring anything', opts, () =>
    withLab({ tag: 'refuse' }, async (lab) => {
      const a = await lab.namespace('a');
      const b = await lab.namespace('b');
      const linksBefore = await a.ip('-o', 'link');
      await assert.rejects(lab.link(a, b, { b: '10.0.0.2/24' }), LabAddressError);
      assert.equal(await a.ip('-o', 'link'), linksBefore, 'no veth created for a refused link');

      const ends = await lab.link(a, b, { a: '192.0.2.1/24' });
      await assert.rejects(a.addAddress(ends.a, '192.168.1.1/24'), (err: unknown) => {
        assert.ok(err instanceof LabAddressError);
        assert.match(err.message, /192\.168\.1\.1\/24.*192\.0\.2\.0\/24/);
        return true;
      });
      await assert.rejects(a.addAddress(ends.a, '192.0.2.9/16'), LabAddressError);
      await assert.rejects(a.addRoute('0.0.0.0/0', { via: '192.0.2.2' }), LabAddressError);
      await assert.rejects(a.addRoute('198.51.100.0/24', { via: '172.16.0.1' }), LabAddressError);
      assert.doesNotMatch(await a.ip('-o', 'addr'), /192\.168|192\.0\.2\.9|10\.0\.0/);

      await a.addRoute('198.51.100.0/24', { via: '192.0.2.2' });
      assert.match(await a.ip('route'), /198\.51\.100\.0\/24 via 192\.0\.2\.2/);
    }),
  );
});
