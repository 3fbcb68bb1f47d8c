// The zone file lexer: logical lines, comments, parentheses, quotes, escapes, blank
// owners, CRLF and a missing final newline; every syntax error with line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ZoneLexer, ZoneTextError, parseTtl, type LogicalLine } from '../../src/protocol/dns/zone-file/index.js';

function lines(text: string): LogicalLine[] {
  const lexer = new ZoneLexer(text);
  const out: LogicalLine[] = [];
  for (let l = lexer.next(); l !== null; l = lexer.next()) out.push(l);
  return out;
}
const words = (text: string) => lines(text).map((l) => l.tokens.map((t) => (t.quoted ? `"${t.text}"` : t.text)));

test('tokens are split at blank space; comments and blank lines vanish', () => {
  assert.deepEqual(words('www  IN\tA 192.0.2.1 ; comment\n\n   ; only a comment\n\t\nmail A 192.0.2.25'), [
    ['www', 'IN', 'A', '192.0.2.1'],
    ['mail', 'A', '192.0.2.25'],
  ]);
});

test('a line starting with blank space has a blank owner; lines are numbered from 1', () => {
  const ls = lines('@ SOA a b 1 2 3 4 5\n  NS ns1\n\tNS ns2\nwww A 192.0.2.1\n');
  assert.deepEqual(ls.map((l) => [l.line, l.blankOwner]), [[1, false], [2, true], [3, true], [4, false]]);
  assert.deepEqual(ls[1]!.tokens.map((t) => t.column), [3, 6]);
});

test('parentheses join physical lines, with comments inside', () => {
  const ls = lines('@ SOA ns1 hostmaster ( 1 ; serial\n  2 ; refresh\n\n  3 4\n  5 )\nwww A 192.0.2.1');
  assert.equal(ls.length, 2);
  assert.deepEqual(ls[0]!.tokens.map((t) => t.text), ['@', 'SOA', 'ns1', 'hostmaster', '1', '2', '3', '4', '5']);
  assert.deepEqual(ls[0]!.tokens.map((t) => t.line), [1, 1, 1, 1, 1, 2, 4, 4, 5]);
  assert.equal(ls[1]!.line, 6);
  assert.deepEqual(words('a TXT (one)(two)'), [['a', 'TXT', 'one', 'two']]);
});

test('quoted strings keep blank space, ; and ( ) and their escapes as written', () => {
  assert.deepEqual(words('t TXT "a b; (c)" "say \\"hi\\"" "" x"y"'), [['t', 'TXT', '"a b; (c)"', '"say \\"hi\\""', '""', 'x', '"y"']]);
});

test('backslash escapes keep the next character in an unquoted token', () => {
  assert.deepEqual(words('a\\ b\\;c\\(d\\) TXT \\"x \\# 0'), [['a\\ b\\;c\\(d\\)', 'TXT', '\\"x', '\\#', '0']]);
});

test('CRLF line ends and a missing final newline read like LF', () => {
  const lf = words('$TTL 1h\n@ A 192.0.2.1\n  A 192.0.2.2\n');
  assert.deepEqual(words('$TTL 1h\r\n@ A 192.0.2.1\r\n  A 192.0.2.2\r\n'), lf);
  assert.deepEqual(words('$TTL 1h\r\n@ A 192.0.2.1\r\n  A 192.0.2.2'), lf);
  assert.deepEqual(lines('a ( 1\r\n 2 )\r\n').map((l) => l.tokens.length), [3]);
});

function syntaxError(text: string): ZoneTextError {
  const lexer = new ZoneLexer(text);
  try {
    while (lexer.next() !== null);
  } catch (err) {
    assert.ok(err instanceof ZoneTextError);
    return err;
  }
  assert.fail(`no syntax error in ${JSON.stringify(text)}`);
}

test('syntax errors name line, column and reason', () => {
  const cases: [string, number, number, RegExp][] = [
    ['a A 1\nb A ( 1\n', 2, 5, /"\(" opened on line 2 is never closed/],
    ['a A 1 )\n', 1, 7, /"\)" without an opening "\("/],
    ['a TXT "open\nb A 1', 1, 7, /quoted string not closed on its line/],
    ['a TXT "open', 1, 7, /quoted string not closed on its line/],
    ['a TXT back\\', 1, 11, /backslash at the end of a line/],
    ['a TXT back\\\nb', 1, 11, /backslash at the end of a line/],
  ];
  for (const [text, line, column, reason] of cases) {
    const err = syntaxError(text);
    assert.equal(err.kind, 'syntax');
    assert.deepEqual([err.line, err.column], [line, column], text);
    assert.match(err.reason, reason);
  }
});

test('after a syntax error the lexer goes on at the next line', () => {
  const lexer = new ZoneLexer('a A 1 )\nb A 2\n');
  assert.throws(() => lexer.next(), ZoneTextError);
  assert.deepEqual(lexer.next()?.tokens.map((t) => t.text), ['b', 'A', '2']);
  assert.equal(lexer.next(), null);
});

test('TTLs: seconds or BIND units in any case and order, up to 2^32-1', () => {
  const ok: [string, number][] = [
    ['0', 0], ['3600', 3600], ['1h', 3600], ['1H', 3600], ['1w2d3h4m5s', 604800 + 2 * 86400 + 3 * 3600 + 4 * 60 + 5],
    ['2W1D', 2 * 604800 + 86400], ['30m', 1800], ['1d1d', 2 * 86400], ['4294967295', 4294967295], ['10S', 10],
  ];
  for (const [text, seconds] of ok) assert.equal(parseTtl(text), seconds, text);
  for (const bad of ['', 'h', '1x', '1h30', '4294967296', '7102w', '-1', '1.5h', '1 h']) assert.equal(typeof parseTtl(bad), 'string', bad);
});
