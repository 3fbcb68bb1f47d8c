// IPAM arithmetic (src/protocol/ipam/): addresses and prefixes of both families, the
// stored hex key's order, prefixes refused with a reason, and free space — the aligned
// blocks of a gap (checked against a brute force), the buddy split, complements.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddress, formatPrefix, hexKey, parseAddress, parsePrefix, prefixContains, prefixEnd, prefixesOverlap, type Prefix } from '../../src/protocol/ipam/address.js';
import { complement, normalize, rangeToPrefixes, splitBlock, usableRange } from '../../src/protocol/ipam/free-space.js';
import { seededRandom } from '../support/random.js';

const prefix = (text: string): Prefix => {
  const r = parsePrefix(text);
  if (!r.ok) throw new Error(r.reason);
  return r.prefix;
};

test('addresses of both families round-trip through numbers; IPv6 comes back in RFC 5952 form', () => {
  assert.deepEqual(parseAddress('198.51.100.7'), { family: 4, value: 0xc6336407n });
  assert.equal(formatAddress(4, 0xc6336407n), '198.51.100.7');
  const v6 = parseAddress('2001:DB8:0:0:0:0:0:1')!;
  assert.equal(v6.family, 6);
  assert.equal(formatAddress(6, v6.value), '2001:db8::1');
  for (const bad of ['', '198.51.100', '198.51.100.256', '01.2.3.4', '2001:db8::1::2', 'fe80::1%eth0', 'x'.repeat(50)]) assert.equal(parseAddress(bad), undefined, bad);
});

test('prefixes: host bits refused with the right prefix named, lengths by family', () => {
  assert.equal(formatPrefix(prefix('203.0.113.0/24')), '203.0.113.0/24');
  assert.equal(formatPrefix(prefix('2001:db8:100::/40')), '2001:db8:100::/40');
  assert.deepEqual(parsePrefix('203.0.113.7/24'), { ok: false, reason: '203.0.113.7/24 has host bits set: the prefix is 203.0.113.0/24' });
  assert.deepEqual(parsePrefix('203.0.113.0/33'), { ok: false, reason: '/33 is not a prefix length of IPv4 (0–32)' });
  assert.deepEqual(parsePrefix('2001:db8::/129'), { ok: false, reason: '/129 is not a prefix length of IPv6 (0–128)' });
  assert.equal(parsePrefix('203.0.113.0').ok, false);
  assert.equal(parsePrefix('203.0.113.0/024').ok, false);
  assert.ok(prefixContains(prefix('198.18.0.0/15'), prefix('198.19.255.0/24')));
  assert.ok(!prefixContains(prefix('198.18.0.0/16'), prefix('198.19.0.0/24')));
  assert.ok(prefixesOverlap(prefix('198.18.0.0/15'), prefix('198.19.0.0/16')));
  assert.ok(!prefixesOverlap(prefix('198.18.0.0/16'), prefix('198.19.0.0/16')));
  assert.ok(!prefixesOverlap(prefix('0.0.0.0/0'), prefix('::/0')), 'families never overlap');
  assert.equal(prefixEnd(prefix('0.0.0.0/0')), 0xffffffffn);
});

test('the hex key sorts as the numbers do', () => {
  const random = seededRandom(7);
  for (const family of [4, 6] as const) {
    const values = Array.from({ length: 500 }, () => BigInt(Math.floor(random() * 2 ** 32)) << (family === 6 ? BigInt(Math.floor(random() * 96)) : 0n));
    const byKey = [...values].sort((a, b) => (hexKey(family, a) < hexKey(family, b) ? -1 : 1));
    const byValue = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    assert.deepEqual(byKey, byValue);
  }
});

test('a range becomes the fewest aligned blocks (against a brute force)', () => {
  assert.deepEqual(rangeToPrefixes(4, 0n, 0xffffffffn).map(formatPrefix), ['0.0.0.0/0']);
  assert.deepEqual(rangeToPrefixes(4, 0xc0000201n, 0xc00002fen).map(formatPrefix), [
    '192.0.2.1/32', '192.0.2.2/31', '192.0.2.4/30', '192.0.2.8/29', '192.0.2.16/28', '192.0.2.32/27', '192.0.2.64/26', '192.0.2.128/26', '192.0.2.192/27', '192.0.2.224/28', '192.0.2.240/29', '192.0.2.248/30', '192.0.2.252/31', '192.0.2.254/32',
  ]);
  const random = seededRandom(11);
  for (let i = 0; i < 300; i++) {
    const a = BigInt(Math.floor(random() * 4096));
    const b = a + BigInt(Math.floor(random() * 4096));
    const blocks = rangeToPrefixes(4, a, b);
    // Covers exactly [a, b], in order, each aligned.
    let at = a;
    for (const p of blocks) {
      assert.equal(p.start, at);
      assert.equal(p.start % (1n << BigInt(32 - p.length)), 0n, 'aligned');
      at = prefixEnd(p) + 1n;
    }
    assert.equal(at, b + 1n);
    // Maximal: no two neighbours are buddies that could be one block.
    for (let k = 1; k < blocks.length; k++) {
      const x = blocks[k - 1]!;
      const y = blocks[k]!;
      const buddies = x.length === y.length && x.start % (1n << BigInt(33 - x.length)) === 0n;
      assert.ok(!buddies, `${formatPrefix(x)} and ${formatPrefix(y)} would merge`);
    }
  }
  assert.equal(rangeToPrefixes(6, 1n, (1n << 128n) - 1n).length, 128);
});

test('a buddy split leaves the rest of the block as blocks; complement and normalize', () => {
  assert.deepEqual(splitBlock(prefix('198.18.0.0/16'), 18).map(formatPrefix), ['198.18.64.0/18', '198.18.128.0/17']);
  assert.deepEqual(splitBlock(prefix('198.18.0.0/16'), 16), []);
  assert.deepEqual(complement(10n, 100n, [{ start: 0n, end: 12n }, { start: 20n, end: 29n }, { start: 90n, end: 200n }]), [{ start: 13n, end: 19n }, { start: 30n, end: 89n }]);
  assert.deepEqual(complement(10n, 100n, []), [{ start: 10n, end: 100n }]);
  assert.deepEqual(complement(10n, 100n, [{ start: 0n, end: 100n }]), []);
  assert.deepEqual(normalize([{ start: 20n, end: 30n }, { start: 1n, end: 5n }, { start: 6n, end: 8n }, { start: 25n, end: 40n }]), [{ start: 1n, end: 8n }, { start: 20n, end: 40n }]);
  assert.deepEqual(usableRange(prefix('192.0.2.0/24')), { start: 0xc0000201n, end: 0xc00002fen });
  assert.deepEqual(usableRange(prefix('192.0.2.0/31')), { start: 0xc0000200n, end: 0xc0000201n });
  assert.deepEqual(usableRange(prefix('2001:db8::/126')), { start: (0x20010db8n << 96n) + 1n, end: (0x20010db8n << 96n) + 3n });
});
