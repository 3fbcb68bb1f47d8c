// CSV (src/protocol/ipam/csv.ts): RFC 4180 records, quoting both ways, every problem
// with its line, limits; a fuzz run of mutated files never throws.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvLine, parseCsv } from '../../src/protocol/ipam/csv.js';
import { seededRandom } from '../support/random.js';

const LIMITS = { maxRecords: 100, maxFieldLength: 50 };
const parse = (text: string) => parseCsv(text, ['a', 'b', 'c'], ['a'], LIMITS);

test('records: LF and CRLF, quoted commas, line breaks and quotes, a BOM, empty lines, trimmed fields', () => {
  const r = parse('\ufeffa,b\r\n1, two \n"3,x","line\none"\n\n"say ""hi""",\n');
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(r.columns, ['a', 'b']);
  assert.deepEqual(r.records, [
    { line: 2, fields: { a: '1', b: 'two' } },
    { line: 3, fields: { a: '3,x', b: 'line\none' } },
    { line: 6, fields: { a: 'say "hi"', b: '' } },
  ]);
});

test('every problem names its line', () => {
  assert.deepEqual(parse(''), { ok: false, line: 1, reason: 'empty: the first line names the columns' });
  assert.deepEqual(parse('a,d\n1,2\n'), { ok: false, line: 1, reason: 'unknown column "d" (columns: a, b, c)' });
  assert.deepEqual(parse('b\n1\n'), { ok: false, line: 1, reason: 'column "a" is missing' });
  assert.deepEqual(parse('a,a\n1,2\n'), { ok: false, line: 1, reason: 'column "a" is named twice' });
  assert.deepEqual(parse('a,b\n1,2\n3\n'), { ok: false, line: 3, reason: '1 fields where the header has 2' });
  assert.deepEqual(parse('a,b\n1,"2\n'), { ok: false, line: 2, reason: 'a quoted field is not closed' });
  assert.deepEqual(parse('a,b\n1,"2"x\n'), { ok: false, line: 2, reason: 'text after a closing quote (a quote inside a field is written "")' });
  assert.deepEqual(parse('a,b\n1,2"\n'), { ok: false, line: 2, reason: 'a quote inside an unquoted field (quote the field and write the quote as "")' });
  assert.deepEqual(parse(`a\n${'x'.repeat(51)}\n`), { ok: false, line: 2, reason: 'a field is longer than 50 characters' });
  assert.equal((parse(`a\n${'1\n'.repeat(101)}`) as { reason: string }).reason, 'more than 100 records');
});

test('csvLine quotes what needs it, and what it writes parses back', () => {
  assert.equal(csvLine(['a', 'b,c', 'say "x"', null, 7, ' pad']), 'a,"b,c","say ""x""",,7," pad"\r\n');
  const random = seededRandom(4180);
  const alphabet = ['a', ',', '"', '\n', '\r\n', ' ', 'é', 'x'];
  for (let i = 0; i < 500; i++) {
    const fields = Array.from({ length: 3 }, () => Array.from({ length: Math.floor(random() * 8) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('').trim());
    const r = parse(csvLine(['a', 'b', 'c']) + csvLine(fields));
    assert.ok(r.ok, JSON.stringify(fields));
    const got = r.records[0]!.fields;
    assert.deepEqual([got.a, got.b, got.c], fields);
  }
});

test('5000 mutated files never throw; every refusal names a line inside the file', () => {
  const random = seededRandom(99);
  const base = 'a,b,c\n1,"x,y",3\n"q""r",,\n';
  for (let i = 0; i < 5000; i++) {
    const chars = [...base];
    for (let k = 0; k < 1 + Math.floor(random() * 4); k++) {
      const at = Math.floor(random() * (chars.length + 1));
      const op = random();
      if (op < 0.4) chars.splice(at, 1);
      else if (op < 0.8) chars.splice(at, 0, [',', '"', '\n', '\r', 'z'][Math.floor(random() * 5)]!);
      else chars.splice(at, 1, '"');
    }
    const text = chars.join('');
    const r = parse(text);
    if (!r.ok) assert.ok(r.line >= 1 && r.line <= text.split('\n').length + 1, `${JSON.stringify(text)}: line ${r.line}`);
  }
});
