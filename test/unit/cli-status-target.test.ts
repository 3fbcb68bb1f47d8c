// The status endpoint's URL as the CLI's commands derive it from a site config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusUrlOf, writeTable } from '../../src/cli/status-target.js';

test('a wildcard listen is reached on loopback; an IPv6 host is bracketed; port 0 has no URL', () => {
  assert.equal(statusUrlOf({ status: { listen: '127.0.0.1', port: 9180 } }), 'http://127.0.0.1:9180');
  assert.equal(statusUrlOf({ status: { listen: '0.0.0.0', port: 9180 } }), 'http://127.0.0.1:9180');
  assert.equal(statusUrlOf({ status: { listen: '::', port: 9180 } }), 'http://[::1]:9180');
  assert.equal(statusUrlOf({ status: { listen: '2001:db8::1', port: 80 } }), 'http://[2001:db8::1]:80');
  assert.equal(statusUrlOf({ status: { listen: '127.0.0.1', port: 0 } }), undefined);
});

test('tables pad each column to its widest cell, counting code points', () => {
  let text = '';
  writeTable({ write: (s: string) => { text += s; return true; } } as unknown as NodeJS.WritableStream, [['A', 'BB'], ['☎☎☎', 'x'], ['𝄞', '']]);
  assert.equal(text, 'A    BB\n☎☎☎  x\n𝄞\n');
});
