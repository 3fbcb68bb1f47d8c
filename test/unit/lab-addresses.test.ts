// The lab's address rules, without any network: which addresses, prefixes and routes
// it accepts and which it refuses, and what the refusal says.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LAB_RANGES, LabAddressError, assertLabAddress, isLabAddress, parseIpv4, parseIpv6 } from '../lab/addresses.js';

describe('lab address rules', () => {
  test('accepts addresses and prefixes inside each lab range, including range edges', () => {
    for (const ok of [
      '127.0.0.1',
      '127.255.255.254/8',
      '::1',
      '::1/128',
      '0:0:0:0:0:0:0:1',
      '192.0.2.0/24',
      '192.0.2.1/24',
      '192.0.2.255',
      '198.51.100.7/25',
      '203.0.113.53/32',
      '198.18.0.1/15',
      '198.19.255.254/16',
    ]) {
      assert.doesNotThrow(() => assertLabAddress(ok), ok);
    }
  });

  test('refuses private, public and neighbouring addresses', () => {
    for (const bad of ['10.0.0.1', '172.16.0.1/12', '192.168.1.1/24', '8.8.8.8', '192.0.3.1', '198.51.101.1', '203.0.112.255', '198.17.255.255', '198.20.0.0', '0.0.0.0', '255.255.255.255']) { // refused: only ever checked, never configured
      assert.throws(() => assertLabAddress(bad), LabAddressError, bad);
    }
  });

  test('refuses a prefix wider than its range, since the connected route would leave the range', () => {
    assert.throws(() => assertLabAddress('192.0.2.1/16'), LabAddressError);
    assert.throws(() => assertLabAddress('198.18.0.1/14'), LabAddressError);
    assert.throws(() => assertLabAddress('127.0.0.1/7'), LabAddressError);
    assert.throws(() => assertLabAddress('0.0.0.0/0'), LabAddressError, 'a default route');
  });

  test('refuses every IPv6 address but ::1/128', () => {
    for (const bad of ['::', '::2', 'fe80::1', '2001:db8::1', '::ffff:192.0.2.1', '::1/64', 'fe80::1%eth0', '::1/129']) {
      assert.throws(() => assertLabAddress(bad), LabAddressError, bad);
    }
  });

  test('refuses malformed input instead of guessing', () => {
    for (const bad of ['', 'default', 'localhost', '192.0.2', '192.0.2.1.1', '192.0.2.01', '192.0.2.256', '192.0.2.1/', '192.0.2.1/33', '192.0.2.1/024', ' 192.0.2.1', '1::2::3', '1:2:3:4:5:6:7:8:9']) {
      assert.throws(() => assertLabAddress(bad), LabAddressError, JSON.stringify(bad));
    }
  });

  test('the error names the address and every allowed range', () => {
    try {
      assertLabAddress('10.1.2.3/24'); // refused: only ever checked, never configured
      assert.fail('accepted 10.1.2.3/24'); // refused: only ever checked, never configured
    } catch (err) {
      assert.ok(err instanceof LabAddressError);
      assert.equal(err.name, 'LabAddressError');
      assert.equal(err.address, '10.1.2.3/24'); // refused: only ever checked, never configured
      assert.match(err.message, /"10\.1\.2\.3\/24"/);
      for (const range of LAB_RANGES) assert.ok(err.message.includes(range), `message names ${range}`);
    }
  });

  test('isLabAddress mirrors assertLabAddress', () => {
    assert.equal(isLabAddress('203.0.113.1'), true);
    assert.equal(isLabAddress('10.0.0.1'), false); // refused: only ever checked, never configured
  });

  test('parsers are strict', () => {
    assert.equal(parseIpv4('192.0.2.1'), 0xc0000201);
    assert.equal(parseIpv4('1.2.3'), null);
    assert.deepEqual(parseIpv6('::1'), [0, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(parseIpv6('1:2:3:4:5:6:7:8'), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(parseIpv6('1:2:3:4:5:6:7:8::'), null);
    assert.equal(parseIpv6('12345::1'), null);
  });
});
