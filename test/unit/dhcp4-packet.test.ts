// The DHCPv4 message codec: header fields, the option area (RFC 3396 splitting and
// concatenation, option 52 overload of file/sname), padding, option blocks,
// encodeInto and encodingLength.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BOOTP_MIN_LENGTH,
  MAGIC_COOKIE,
  WireEncodeError,
  decode,
  encode,
  encodeInto,
  encodingLength,
  hardwareAddress,
  hardwareAddressText,
  ipv4FromString,
  isBroadcast,
  maxMessageSize,
  messageType,
  newMessage,
  optionBlock,
  parameterRequestList,
  requestedAddress,
  serverIdentifier,
  subnetSelection,
  type Dhcp4Message,
} from '../../src/wire/dhcp4/index.js';

const ip = ipv4FromString;
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function request(extra: [number, Buffer][] = []): Dhcp4Message {
  return newMessage({
    op: 1,
    htype: 1,
    hlen: 6,
    hops: 2,
    xid: 0xdeadbeef,
    secs: 7,
    flags: 0x8000,
    ciaddr: ip('192.0.2.10'),
    yiaddr: ip('192.0.2.11'),
    siaddr: ip('192.0.2.12'),
    giaddr: ip('198.51.100.1'),
    chaddr: hex('00 11 22 33 44 55'),
    sname: Buffer.from('server-a'),
    file: Buffer.from('SIPDefault.cnf'),
    options: new Map<number, Buffer>([[53, Buffer.from([3])], ...extra]),
  });
}

/** Options in wire order: [code, length] of each instance in buf[from, to). */
function instances(buf: Buffer, from = 240, to = buf.length): [number, number][] {
  const out: [number, number][] = [];
  for (let i = from; i < to && buf[i] !== 255; ) {
    if (buf[i] === 0) {
      i++;
      continue;
    }
    out.push([buf[i]!, buf[i + 1]!]);
    i += 2 + buf[i + 1]!;
  }
  return out;
}

test('every header field survives encode → decode, at its RFC 2131 offset', () => {
  const m = request();
  const b = encode(m);
  assert.equal(b.length, BOOTP_MIN_LENGTH, 'padded to the BOOTP minimum');
  assert.deepEqual([b[0], b[1], b[2], b[3]], [1, 1, 6, 2]);
  assert.equal(b.readUInt32BE(4), 0xdeadbeef);
  assert.equal(b.readUInt16BE(8), 7);
  assert.equal(b.readUInt16BE(10), 0x8000);
  assert.equal(b.readUInt32BE(12), ip('192.0.2.10'));
  assert.equal(b.readUInt32BE(24), ip('198.51.100.1'));
  assert.equal(b.subarray(28, 44).toString('hex'), '001122334455' + '00'.repeat(10));
  assert.equal(b.subarray(44, 108).toString('latin1').replace(/\0+$/, ''), 'server-a');
  assert.equal(b.subarray(108, 236).toString('latin1').replace(/\0+$/, ''), 'SIPDefault.cnf');
  assert.equal(b.readUInt32BE(236), MAGIC_COOKIE);
  assert.deepEqual([...b.subarray(240, 244)], [53, 1, 3, 255]);
  assert.ok(b.subarray(244).every((x) => x === 0), 'zero padding after END');

  const d = decode(b);
  for (const k of ['op', 'htype', 'hlen', 'hops', 'xid', 'secs', 'flags', 'ciaddr', 'yiaddr', 'siaddr', 'giaddr'] as const) assert.equal(d[k], m[k], k);
  assert.equal(d.chaddr.length, 16);
  assert.deepEqual(hardwareAddress(d), m.chaddr);
  assert.equal(hardwareAddressText(d), '00:11:22:33:44:55');
  assert.equal(d.sname.length, 64);
  assert.equal(d.file.length, 128);
  assert.ok(isBroadcast(d));
  assert.equal(messageType(d), 3);
  assert.equal(d.overload, 0);
  assert.deepEqual(encode(d), b, 'a decoded message re-encodes to the same bytes');
});

test('the hot-path accessors read options 50, 54, 55, 57, 118 without a typed decode', () => {
  const m = request([
    [50, hex('c0000264')],
    [54, hex('c0000201')],
    [55, Buffer.from([1, 3, 6])],
    [57, hex('05dc')],
    [118, hex('c6336400')],
  ]);
  const d = decode(encode(m));
  assert.equal(requestedAddress(d), ip('192.0.2.100'));
  assert.equal(serverIdentifier(d), ip('192.0.2.1'));
  assert.deepEqual([...parameterRequestList(d)!], [1, 3, 6]);
  assert.equal(maxMessageSize(d), 1500);
  assert.equal(subnetSelection(d), ip('198.51.100.0'));
  const bootp = newMessage({ op: 1, htype: 1, hlen: 6 });
  assert.equal(messageType(bootp), undefined, 'BOOTP: no message type');
  assert.equal(requestedAddress(bootp), undefined);
});

test('options keep their order, unknown codes and zero-length data', () => {
  const m = request([
    [224, Buffer.from('site-private')],
    [80, Buffer.alloc(0)],
    [12, Buffer.from('phone-1')],
  ]);
  const d = decode(encode(m));
  assert.deepEqual([...d.options.keys()], [53, 224, 80, 12]);
  assert.equal(d.options.get(224)!.toString(), 'site-private');
  assert.equal(d.options.get(80)!.length, 0);
});

test('RFC 3396: a long option is split into 255-byte instances and concatenated back', () => {
  const long = Buffer.alloc(600, 0x61);
  long.write('start', 0);
  long.write('end', 597);
  const m = request([[77, long], [12, Buffer.from('h')]]);
  const b = encode(m, { maxLength: 1500 });
  assert.deepEqual(instances(b), [[53, 1], [77, 255], [77, 255], [77, 90], [12, 1]]);
  assert.equal(encodingLength(m, { maxLength: 1500 }), b.length);
  const d = decode(b);
  assert.deepEqual(d.options.get(77), long);
  assert.deepEqual([...d.options.keys()], [53, 77, 12]);
});

test('RFC 3396: instances of one code anywhere in the area are concatenated in order', () => {
  const b = Buffer.concat([encode(request(), { minLength: 0 }).subarray(0, 240), hex('0c 02 6162  35 01 03  00 00  0c 01 63  ff')]);
  const d = decode(b);
  assert.equal(d.options.get(12)!.toString(), 'abc');
  assert.deepEqual([...d.options.keys()], [12, 53]);
  // A fixed-size option split in two is legal too: checked after concatenation.
  const split = Buffer.concat([b.subarray(0, 240), hex('32 02 c000  35 01 03  32 02 0264 ff')]);
  assert.equal(requestedAddress(decode(split)), ip('192.0.2.100'));
});

test('decode tolerates a missing END and ignores what follows END', () => {
  const base = encode(request(), { minLength: 0 }).subarray(0, 240);
  assert.equal(messageType(decode(Buffer.concat([base, hex('35 01 05')]))), 5);
  const trailing = decode(Buffer.concat([base, hex('35 01 05 ff 0c ff ee')]));
  assert.deepEqual([...trailing.options.keys()], [53]);
});

test('option 52: options in file then sname are read, and the fields decode as empty', () => {
  const base = Buffer.from(encode(newMessage({ op: 2, htype: 1, hlen: 6 }), { minLength: 0 }).subarray(0, 240));
  hex('0c 03 666f6f  0f 0b 6578616d706c652e636f6d ff').copy(base, 108); // file: host-name "foo", domain-name
  hex('0c 03 626172 ff').copy(base, 44); // sname: host-name continues "bar"
  const d = decode(Buffer.concat([base, hex('35 01 02  34 01 03  0c 01 21 ff')]));
  assert.equal(d.overload, 3);
  assert.equal(d.options.get(12)!.toString(), '!foobar', 'options field, then file, then sname (RFC 3396 §7)');
  assert.equal(d.options.get(15)!.toString(), 'example.com');
  assert.ok(!d.options.has(52), 'option 52 is framing, not content');
  assert.ok(d.file.every((x) => x === 0) && d.file.length === 128);
  assert.ok(d.sname.every((x) => x === 0) && d.sname.length === 64);
  // Only file overloaded: sname stays a server name.
  base.write('tftp.example.com\0', 44, 'latin1');
  const onlyFile = decode(Buffer.concat([base, hex('35 01 02  34 01 01 ff')]));
  assert.equal(onlyFile.overload, 1);
  assert.equal(onlyFile.sname.toString('latin1').replace(/\0+$/, ''), 'tftp.example.com');
  assert.equal(onlyFile.options.get(12)!.toString(), 'foo');
});

test('encode overloads file, then sname, when the options exceed maxLength, and decodes back the same options', () => {
  const pattern = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 255));
  const opts: [number, Buffer][] = [
    [1, hex('ffffff00')],
    [43, pattern(240, 1)],
    [60, Buffer.from('Avaya-96xx')],
    [176, pattern(120, 2)],
    [242, pattern(120, 3)], // must be split over the options field, file and sname
  ];
  const m = newMessage({ op: 2, htype: 1, hlen: 6, options: new Map([[53, Buffer.from([5])], ...opts]) });
  const plain = encode(m, { maxLength: 1500 });
  assert.ok(plain.length > 576);
  const b = encode(m);
  assert.ok(b.length <= 576, `${b.length} bytes`);
  assert.equal(encodingLength(m), b.length);
  const d = decode(b);
  assert.equal(d.overload, 3);
  assert.deepEqual([...d.options.entries()].sort((x, y) => x[0] - y[0]), [...m.options.entries()].sort((x, y) => x[0] - y[0]));
  assert.equal(instances(b)[0]![0], 53, 'the message type stays first in the options field');
  const where = (area: [number, number][]) => area.filter((x) => x[0] === 242).length;
  assert.deepEqual([where(instances(b)), where(instances(b, 108, 236)), where(instances(b, 44, 108))], [1, 0, 1], 'option 242 split over the options field and sname (file is full)');
  // A smaller set needs only file.
  const small = newMessage({ op: 2, htype: 1, hlen: 6, options: new Map([[53, Buffer.from([5])], [43, Buffer.alloc(350, 7)]]) });
  const ds = decode(encode(small));
  assert.equal(ds.overload, 1);
  assert.deepEqual(ds.options.get(43), Buffer.alloc(350, 7));
});

test('encode never overloads a field that carries a name, and says so when the options cannot fit', () => {
  const m = request([[43, Buffer.alloc(400)]]);
  assert.equal(decode(encode(m, { maxLength: 700 })).overload, 0, 'fits a larger maxLength without overload');
  assert.throws(() => encode(m), (e: unknown) => e instanceof WireEncodeError && e.reason === 'too-large');
  const noNames = { ...m, sname: Buffer.alloc(0), file: Buffer.alloc(0) };
  const d = decode(encode(noNames));
  assert.deepEqual(d.options.get(43), Buffer.alloc(400));
  assert.throws(() => encode(newMessage({ options: new Map([[43, Buffer.alloc(2000)]]) })), (e: unknown) => e instanceof WireEncodeError && e.reason === 'too-large');
});

test('option 82 is written last (RFC 3046 §2.2), after option blocks', () => {
  const block = optionBlock([[3, hex('c0000201')], [6, hex('c0000201')]]);
  const m = newMessage({ op: 2, htype: 1, hlen: 6, options: new Map([[53, Buffer.from([2])], [82, hex('0103616263')], [51, hex('00000e10')]]) });
  const b = encode(m, { blocks: [block] });
  assert.deepEqual(instances(b).map((x) => x[0]), [53, 51, 3, 6, 82]);
});

test('option blocks are copied whole; msg.options and earlier blocks win over a block\'s option', () => {
  const subnet = optionBlock([[1, hex('ffffff00')], [3, hex('c0000201')], [66, Buffer.from('192.0.2.1')]]);
  const phones = optionBlock([[66, Buffer.from('198.51.100.69')], [176, Buffer.from('MCIPADD=192.0.2.10')]]);
  assert.deepEqual(subnet.bytes, Buffer.concat([hex('0104ffffff00 0304c0000201 4209'), Buffer.from('192.0.2.1')]));
  const m = newMessage({ op: 2, htype: 1, hlen: 6, options: new Map([[53, Buffer.from([5])]]) });
  const d = decode(encode(m, { blocks: [phones, subnet] }));
  assert.deepEqual([...d.options.keys()], [53, 66, 176, 1, 3]);
  assert.equal(d.options.get(66)!.toString(), '198.51.100.69', 'the earlier block wins');
  m.options.set(3, hex('c6336401'));
  const d2 = decode(encode(m, { blocks: [subnet] }));
  assert.deepEqual(d2.options.get(3), hex('c6336401'), 'msg.options win');
  assert.deepEqual([...d2.options.keys()], [53, 3, 1, 66]);
  assert.equal(encodingLength(m, { blocks: [subnet] }), encode(m, { blocks: [subnet] }).length);
  // Blocks take part in overload like any option.
  const big = optionBlock([[43, Buffer.alloc(400, 1)]]);
  const d3 = decode(encode(newMessage({ op: 2, htype: 1, hlen: 6, options: new Map([[53, Buffer.from([5])]]) }), { blocks: [big, subnet] }));
  assert.equal(d3.overload, 1);
  assert.deepEqual(d3.options.get(43), Buffer.alloc(400, 1));
  assert.deepEqual([...d3.options.keys()].sort((a, b) => a - b), [1, 3, 43, 53, 66]);
});

test('optionBlock refuses pad, end, 52, 82 and duplicates; long data is split', () => {
  for (const code of [0, 52, 82, 255, 256, -1, 1.5]) {
    assert.throws(() => optionBlock([[code, Buffer.alloc(1)]]), WireEncodeError, String(code));
  }
  assert.throws(() => optionBlock([[3, Buffer.alloc(4)], [3, Buffer.alloc(4)]]), WireEncodeError);
  assert.equal(optionBlock([[43, Buffer.alloc(300)]]).bytes.length, 304);
});

test('encodeInto writes into a caller\'s buffer at an offset, every byte of it, and refuses a short one', () => {
  const m = request([[12, Buffer.from('phone')]]);
  const out = Buffer.alloc(2048, 0xee);
  const n = encodeInto(m, out, 100);
  assert.equal(n, encodingLength(m));
  assert.deepEqual(out.subarray(100, 100 + n), encode(m));
  assert.equal(out[99], 0xee);
  assert.equal(out[100 + n], 0xee);
  // A dirty buffer leaves no trace: header fields, chaddr/sname/file tails and padding are all written.
  const dirty = Buffer.alloc(600, 0xff);
  encodeInto(newMessage({ op: 1, htype: 1, hlen: 6, options: new Map([[53, Buffer.from([1])]]) }), dirty);
  assert.deepEqual(dirty.subarray(0, 300), encode(newMessage({ op: 1, htype: 1, hlen: 6, options: new Map([[53, Buffer.from([1])]]) })));
  assert.throws(() => encodeInto(m, Buffer.alloc(299)), (e: unknown) => e instanceof WireEncodeError && e.reason === 'no-space');
  assert.throws(() => encodeInto(m, out, 2048 - 299), (e: unknown) => e instanceof WireEncodeError && e.reason === 'no-space');
});

test('minLength and maxLength bound the output', () => {
  const m = request();
  assert.equal(encode(m, { minLength: 0 }).length, 244);
  assert.equal(encode(m, { minLength: 548 }).length, 548);
  assert.throws(() => encode(m, { maxLength: 100 }), (e: unknown) => e instanceof WireEncodeError && e.reason === 'bad-value');
});

test('encode refuses header values and fields that do not fit, with WireEncodeError', () => {
  const cases: [Partial<Dhcp4Message>, string][] = [
    [{ op: 256 }, 'bad-value'],
    [{ hops: -1 }, 'bad-value'],
    [{ secs: 65536 }, 'bad-value'],
    [{ flags: 1.5 }, 'bad-value'],
    [{ xid: 2 ** 32 }, 'bad-value'],
    [{ giaddr: -1 }, 'bad-value'],
    [{ ciaddr: Number.NaN }, 'bad-value'],
    [{ chaddr: Buffer.alloc(17) }, 'too-long'],
    [{ sname: Buffer.alloc(65) }, 'too-long'],
    [{ file: Buffer.alloc(129) }, 'too-long'],
    [{ options: new Map([[0, Buffer.alloc(1)]]) }, 'bad-value'],
    [{ options: new Map([[255, Buffer.alloc(1)]]) }, 'bad-value'],
    [{ options: new Map([[52, Buffer.from([1])]]) }, 'bad-value'],
    [{ options: new Map([[300, Buffer.alloc(1)]]) }, 'bad-value'],
  ];
  for (const [change, reason] of cases) {
    const m = { ...request(), ...change };
    assert.throws(() => encode(m), (e: unknown) => e instanceof WireEncodeError && e.reason === reason, JSON.stringify(Object.keys(change)));
    assert.throws(() => encodingLength(m), WireEncodeError);
  }
});

test('decoded buffers are views of the input; options survive a re-encode with other values', () => {
  const input = encode(request([[12, Buffer.from('phone-1')]]));
  const d = decode(input);
  assert.equal(d.options.get(12)!.buffer, input.buffer, 'no copy');
  d.yiaddr = ip('192.0.2.99');
  d.op = 2;
  d.options.set(51, hex('00000e10'));
  const again = decode(encode(d));
  assert.equal(again.yiaddr, ip('192.0.2.99'));
  assert.equal(again.options.get(12)!.toString(), 'phone-1');
});
