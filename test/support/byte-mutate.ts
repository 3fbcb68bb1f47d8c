// The byte edits the codec fuzz runs share (test/unit/dns-fuzz.test.ts,
// tftp-fuzz.test.ts): a few edits per input, each one of — a bit flipped, a byte set
// at random or to an interesting value, a cut, bytes inserted, bytes deleted, another
// part of the input spliced in — or one of the protocol's own edits (a DNS compression
// pointer, a TFTP opcode), all drawn from one seeded PRNG so a run repeats from its seed.

export interface ByteMutation {
  /** Byte values worth trying (lengths, type codes, boundaries). */
  readonly interesting: readonly number[];
  /** Edits per input at most (at least one). */
  readonly maxEdits: number;
  /** Longest insertion, deletion and splice. */
  readonly maxInsert: number;
  readonly maxDelete: number;
  readonly maxSplice: number;
  /** The protocol's own edits: each gets the buffer, a position in it and the PRNG's helpers, and returns the new buffer. */
  readonly extra?: readonly ((b: Buffer, at: number, r: Rand) => Buffer)[];
}

export interface Rand {
  readonly rnd: () => number;
  int(n: number): number;
  pick<T>(a: readonly T[]): T;
}

export function rand(rnd: () => number): Rand {
  const int = (n: number) => Math.floor(rnd() * n);
  return { rnd, int, pick: (a) => a[int(a.length)]! };
}

export function mutateBytes(input: Buffer, rnd: () => number, m: ByteMutation): Buffer {
  const r = rand(rnd);
  const { int, pick } = r;
  let b: Buffer = Buffer.from(input);
  const generic: ((at: number) => void)[] = [
    (at) => { if (b.length > 0) b[at] = b[at]! ^ (1 << int(8)); },
    (at) => { if (b.length > 0) b[at] = int(256); },
    (at) => { if (b.length > 0) b[at] = pick(m.interesting); },
    () => { b = b.subarray(0, int(b.length + 1)); },
    (at) => {
      const ins = Buffer.from(Array.from({ length: 1 + int(m.maxInsert) }, () => (rnd() < 0.5 ? pick(m.interesting) : int(256))));
      b = Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
    },
    (at) => { b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(m.maxDelete))]); },
    (at) => {
      const from = int(b.length + 1);
      b = Buffer.concat([b.subarray(0, at), b.subarray(from, from + 1 + int(m.maxSplice)), b.subarray(at)]);
    },
    ...(m.extra ?? []).map((edit) => (at: number) => { b = edit(b, at, r); }),
  ];
  for (let e = 1 + int(m.maxEdits); e > 0; e--) pick(generic)(b.length === 0 ? 0 : int(b.length));
  return b;
}
