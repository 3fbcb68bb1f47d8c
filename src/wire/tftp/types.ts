// The TFTP packets (RFC 1350, options RFC 2347) as values every layer shares.
//
//   RRQ/WRQ  | 01/02 | filename | 0 | mode | 0 | opt1 | 0 | value1 | 0 | …
//   DATA     | 03 | block | data (0..blksize bytes)
//   ACK      | 04 | block
//   ERROR    | 05 | code | message | 0
//   OACK     | 06 | opt1 | 0 | value1 | 0 | …

export const TftpOpcode = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

/** ERROR codes: RFC 1350 (0–7) and RFC 2347 (8). */
export const TftpErrorCode = {
  /** Not defined, see the message. */
  UNDEFINED: 0,
  FILE_NOT_FOUND: 1,
  ACCESS_VIOLATION: 2,
  DISK_FULL: 3,
  ILLEGAL_OPERATION: 4,
  UNKNOWN_TID: 5,
  FILE_EXISTS: 6,
  NO_SUCH_USER: 7,
  /** The transfer ends because of option negotiation (RFC 2347). */
  OPTION_REFUSED: 8,
} as const;

/** RFC 1350 block size, used when no blksize option is agreed. */
export const TFTP_DEFAULT_BLKSIZE = 512;
/** RFC 2348: the smallest and largest block size. */
export const TFTP_MIN_BLKSIZE = 8;
export const TFTP_MAX_BLKSIZE = 65464;
/** Opcode and block number of a DATA packet. */
export const TFTP_DATA_HEADER = 4;
/** The longest packet: DATA of the largest block size. */
export const TFTP_MAX_PACKET = TFTP_DATA_HEADER + TFTP_MAX_BLKSIZE;

export type TftpMode = 'netascii' | 'octet' | 'mail';

/** One RFC 2347 option: its name in lower case (names compare without case), its value as sent. */
export interface TftpOption {
  readonly name: string;
  readonly value: string;
}

export interface TftpRequest {
  readonly op: 'rrq' | 'wrq';
  /** As sent, read as UTF-8 (bytes that are not become U+FFFD; the path check refuses them). */
  readonly filename: string;
  /** In lower case. */
  readonly mode: TftpMode;
  readonly options: readonly TftpOption[];
}

export interface TftpData {
  readonly op: 'data';
  /** 0..65535 (block numbers roll over to 0 after 65535). */
  readonly block: number;
  /** Decoded: a view of the packet's bytes, not a copy. */
  readonly data: Buffer;
}

export interface TftpAck {
  readonly op: 'ack';
  readonly block: number;
}

export interface TftpError {
  readonly op: 'error';
  readonly code: number;
  readonly message: string;
}

export interface TftpOack {
  readonly op: 'oack';
  readonly options: readonly TftpOption[];
}

export type TftpPacket = TftpRequest | TftpData | TftpAck | TftpError | TftpOack;
