// Name utilities the DNS engine compares names with (src/wire/dns/name.ts), and
// readNameText, which decode uses instead of readName + nameToText.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareNames, isSubdomain, labelCount, nameKey, namesEqual, parent } from '../../src/wire/dns/index.js';
import { nameToText, readName, readNameText, type ReadNameOptions } from '../../src/wire/dns-name.js';
import { seededRandom } from '../support/random.js';

test('nameKey folds ASCII letters only (RFC 4343) and writes escapes one way', () => {
  assert.equal(nameKey('WWW.Example.COM.'), 'www.example.com.');
  assert.equal(nameKey('.'), '.');
  assert.equal(nameKey('\\065\\066c.example.'), 'abc.example.', 'escaped letters fold too');
  assert.equal(nameKey('\\196\\214.example.'), '\\196\\214.example.', 'bytes above 0x7f are not letters');
  assert.equal(nameKey('\\228.example.'), nameKey('\\228.EXAMPLE.'));
  assert.equal(nameKey('a\\.b.example.'), 'a\\.b.example.');
  assert.equal(nameKey('a\\046b.example.'), 'a\\.b.example.', 'an escaped dot is one form whatever the escape');
  assert.equal(nameKey('Ünïcode.example.'), '\\195\\156n\\195\\175code.example.', 'non-ASCII text is its UTF-8 bytes, unfolded');
  assert.equal(nameKey('sp\\ ace.example.'), 'sp\\032ace.example.');
});

test('namesEqual compares case-insensitively and across escape forms', () => {
  assert.ok(namesEqual('www.example.com.', 'WWW.EXAMPLE.COM.'));
  assert.ok(namesEqual('\\097.example.', 'A.example.'));
  assert.ok(!namesEqual('www.example.com.', 'www.example.net.'));
  assert.ok(!namesEqual('www.example.com.', 'www.example.com'));
  assert.ok(!namesEqual('a\\.b.example.', 'a.b.example.'));
  assert.ok(!namesEqual('\\196.example.', '\\228.example.'), 'Ä and ä bytes are different (no folding above ASCII)');
});

test('labelCount and parent', () => {
  assert.equal(labelCount('.'), 0);
  assert.equal(labelCount('test.'), 1);
  assert.equal(labelCount('www.example.com.'), 3);
  assert.equal(labelCount('a\\.b.example.'), 2);
  assert.equal(labelCount('*.example.'), 2);
  assert.equal(parent('www.example.com.'), 'example.com.');
  assert.equal(parent('test.'), '.');
  assert.equal(parent('.'), undefined);
  assert.equal(parent('a\\.b.Example.'), 'Example.');
  assert.equal(parent('x.a\\.b.example.'), 'a\\.b.example.');
});

test('isSubdomain: the zone itself and names below it, label by label', () => {
  assert.ok(isSubdomain('example.com.', 'example.com.'));
  assert.ok(isSubdomain('WWW.example.COM.', 'Example.com.'));
  assert.ok(isSubdomain('a.b.example.com.', 'example.com.'));
  assert.ok(isSubdomain('example.com.', '.'));
  assert.ok(!isSubdomain('badexample.com.', 'example.com.'));
  assert.ok(!isSubdomain('example.com.', 'www.example.com.'));
  assert.ok(!isSubdomain('a\\.example.test.', 'example.test.'), '"a.example" is one label under test.');
  assert.ok(isSubdomain('a\\.example.test.', 'test.'));
  assert.ok(isSubdomain('x.a\\.example.com.', 'A\\.example.com.'));
  assert.ok(!isSubdomain('x.b\\.example.com.', 'a\\.example.com.'));
});

test('compareNames sorts in RFC 4034 §6.1 canonical order (the RFC\'s own example)', () => {
  const ordered = ['example.', 'a.example.', 'yljkjljk.a.example.', 'Z.a.example.', 'zABC.a.EXAMPLE.', 'z.example.', '\\001.z.example.', '*.z.example.', '\\200.z.example.'];
  const rnd = seededRandom(6);
  for (let round = 0; round < 20; round++) {
    const shuffled = [...ordered].sort(() => rnd() - 0.5);
    assert.deepEqual(shuffled.sort(compareNames), ordered);
  }
  assert.equal(compareNames('www.example.com.', 'WWW.EXAMPLE.COM.'), 0);
  assert.ok(compareNames('.', 'test.') < 0);
  assert.ok(compareNames('a.', 'a\\000.') < 0, 'a label that is a prefix sorts first');
  assert.ok(compareNames('b.example.', 'a.b.example.') < 0, 'a name sorts before the names below it');
  assert.ok(compareNames('A\\.b.example.', 'b.a.example.') > 0, 'escaped dot: "a.b" is one label, compared under example.');
});

const OPTS: ReadNameOptions = { base: 0, compression: true, allowPartial: false, overrun: 'truncated' };

test('readNameText gives exactly nameToText(readName(...)) with the same next offset', () => {
  const rnd = seededRandom(0x4e4d);
  for (let i = 0; i < 3000; i++) {
    const labels: number[] = [];
    const n = Math.floor(rnd() * 5);
    for (let l = 0; l < n; l++) {
      const len = 1 + Math.floor(rnd() * 12);
      labels.push(len, ...Array.from({ length: len }, () => (rnd() < 0.8 ? 0x61 + Math.floor(rnd() * 26) : Math.floor(rnd() * 256))));
    }
    const first = Buffer.from([...labels, 0]);
    // A second name: one label and a pointer into the first.
    const buf = Buffer.concat([first, Buffer.from([3, 0x77, 0x77, 0x77, 0xc0, Math.floor(rnd() * first.length)])]);
    for (const at of [0, first.length]) {
      let expected: { text: string; next: number } | Error;
      try {
        const r = readName(buf, at, buf.length, OPTS);
        expected = { text: nameToText(r), next: r.next };
      } catch (err) {
        expected = err as Error;
      }
      if (expected instanceof Error) assert.throws(() => readNameText(buf, at, buf.length, OPTS), { message: expected.message });
      else assert.deepEqual(readNameText(buf, at, buf.length, OPTS), expected);
    }
  }
});
