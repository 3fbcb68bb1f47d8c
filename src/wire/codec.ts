// The one shape of every wire codec (docs/architecture.md, practice 2).

export interface Codec<T> {
  /** The value's wire bytes, in a new Buffer. Throws WireEncodeError for a value that cannot be encoded. */
  encode(value: T): Buffer;
  /** The value in `data`, which it must fill exactly. Throws WireDecodeError, and nothing else, on bad bytes. */
  decode(data: Buffer): T;
  /** How many bytes encode(value) produces. */
  encodingLength(value: T): number;
}
