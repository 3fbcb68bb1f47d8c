import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { isIPAddress, isIPv4, isIPv6 } from '../../src/core/ip.js';

const v4 = ['0.0.0.0', '127.0.0.1', '192.0.2.255', '255.255.255.255'];
const v6 = ['::', '::1', '2001:db8::1', 'fe80::1:2:3:4', '1:2:3:4:5:6:7:8', '::ffff:192.0.2.1', '64:ff9b::198.51.100.7', '1::', '1:2:3:4:5:6::8'];
const bad = ['', '256.1.1.1', '1.2.3', '01.2.3.4', '1.2.3.4.5', ':', ':::', '1:2:3:4:5:6:7:8:9', '1::2::3', 'g::1', '12345::', '1.2.3.4::', '::1.2.3', 'localhost', ' 127.0.0.1'];

test('accepts what node:net accepts and rejects what it rejects', () => {
  for (const a of v4) assert.ok(isIPv4(a) && isIPAddress(a) && isIP(a) === 4, a);
  for (const a of v6) assert.ok(isIPv6(a) && isIPAddress(a) && isIP(a) === 6, a);
  for (const a of bad) assert.ok(!isIPAddress(a) && isIP(a) === 0, JSON.stringify(a));
});
