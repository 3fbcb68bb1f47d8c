// allowTransfer rules (src/protocol/dns/acl.ts): deny by default; prefixes of both
// families, bit-exact; IPv4-mapped IPv6 and u32 clients; the TSIG key name compared
// as a domain name; rules with only `from`, only `key`, or both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TransferAcl } from '../../src/protocol/dns/acl.js';

test('no rules: nobody', () => {
  assert.equal(TransferAcl.DENY_ALL.allows('192.0.2.1', undefined), false);
  assert.equal(TransferAcl.compile([]).allows('192.0.2.1', 'k.'), false);
});

test('prefixes: IPv4 and IPv6, any length, addresses alone as /32 and /128', () => {
  const acl = TransferAcl.compile([{ from: ['192.0.2.0/25', '198.51.100.7', '2001:db8:1::/48', '2001:db8::53', '203.0.113.64/27'] }]);
  const cases: [string | number, boolean][] = [
    ['192.0.2.0', true], ['192.0.2.127', true], ['192.0.2.128', false],
    ['198.51.100.7', true], ['198.51.100.8', false],
    ['203.0.113.64', true], ['203.0.113.95', true], ['203.0.113.96', false], ['203.0.113.63', false],
    ['2001:db8:1:ffff::1', true], ['2001:db8:2::1', false], ['2001:db8::53', true], ['2001:db8::54', false],
    ['::ffff:192.0.2.5', true], ['::ffff:192.0.2.200', false], ['fe80::1%eth0', false],
    [0xc0000205, true], [0xc00002c8, false], ['not an address', false],
  ];
  for (const [client, allowed] of cases) assert.equal(acl.allows(client, undefined), allowed, String(client));
  assert.equal(TransferAcl.compile([{ from: ['0.0.0.0/0'] }]).allows('203.0.113.1', undefined), true);
  assert.equal(TransferAcl.compile([{ from: ['0.0.0.0/0'] }]).allows('2001:db8::1', undefined), false, 'families apart');
  assert.equal(TransferAcl.compile([{ from: ['::/0'] }]).allows('2001:db8::1', undefined), true);
  assert.throws(() => TransferAcl.compile([{ from: ['192.0.2.0/33'] }]), RangeError);
});

test('keys: the verified key name must match (case and final dot aside); both conditions when both are given', () => {
  const acl = TransferAcl.compile([{ key: 'xfr.example.com' }, { from: ['198.51.100.0/24'], key: 'Branch.Example.com.' }]);
  assert.equal(acl.allows('203.0.113.1', 'XFR.example.com.'), true);
  assert.equal(acl.allows('203.0.113.1', undefined), false, 'unsigned');
  assert.equal(acl.allows('203.0.113.1', 'other.'), false);
  assert.equal(acl.allows('198.51.100.9', 'branch.example.com'), true);
  assert.equal(acl.allows('203.0.113.9', 'branch.example.com.'), false, 'right key, wrong place');
  assert.equal(acl.allows('198.51.100.9', undefined), false, 'right place, unsigned');
  const open = TransferAcl.compile([{ from: ['198.51.100.0/24'] }]);
  assert.equal(open.allows('198.51.100.9', 'any.key.'), true, 'a rule without key accepts signed requests too');
});
