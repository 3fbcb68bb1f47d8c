// The `files` section of the site config: the phone provisioning file service (docs/files.md)
// — firmware, configuration and backups served locally over HTTP and TFTP, the served set
// kept in step with a manifest by content hash. Defaults live next to each key, so this
// schema is also the defaults table; files-validate.ts checks what a schema cannot say.
import { Type, type Static } from '@sinclair/typebox';
import { PATTERNS } from './dhcp-schema.js';

export const DEFAULT_HTTP_PORT = 80;
export const DEFAULT_TFTP_PORT = 69;
/** RFC 2348: the largest block size a client may ask for. */
export const MAX_TFTP_BLKSIZE = 65464;
/** RFC 7440: the largest window size. */
export const MAX_TFTP_WINDOWSIZE = 65535;

const Path = (description: string) => Type.String({ minLength: 1, maxLength: 4096, pattern: PATTERNS.path, description });
/** A path inside the served tree, '/'-separated, relative, without '.' or '..' segments; a trailing '/' names a directory. */
const TREE_PATH = '^(?!/)(?!.*(?:^|/)\\.\\.?(?:/|$))[^\\u0000\\\\]{1,1024}$';
const TreePath = (description: string) => Type.String({ minLength: 1, maxLength: 1024, pattern: TREE_PATH, description });
const Listen = (defaultPort: number, what: string) => Type.Object(
  {
    address: Type.String({ format: 'ip-address', description: `Address the ${what} service listens on; 0.0.0.0 or :: for every address.` }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort, description: 'Port; 0 picks a free port and logs it (tests).' }),
  },
  { additionalProperties: false, description: `One address and port of the ${what} service.` },
);

export const FileUserSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[^:\\u0000-\\u001f]+$', description: 'The user name phones send (HTTP basic or digest).' }),
    password: Type.Optional(Type.String({ minLength: 8, maxLength: 256, description: 'The password. Give password or passwordFile, not both.' })),
    passwordFile: Type.Optional(Path('A file holding the password (relative: against the config file\'s directory). Give password or passwordFile, not both.')),
  },
  { additionalProperties: false, description: 'A user allowed to upload backups.' },
);

export const UploadsSchema = Type.Object(
  {
    paths: Type.Array(TreePath('A directory of the tree (ending in "/") phones may upload into, e.g. "backup/"; a file is stored per device name.'), {
      minItems: 1, maxItems: 64, description: 'Where PUT and POST may write. Uploads elsewhere are refused (405).',
    }),
    maxBytes: Type.Integer({ minimum: 1, maximum: 1 << 30, default: 1 << 20, description: 'Largest upload accepted (bytes); larger ones get 413.' }),
    auth: Type.Union([Type.Literal('none'), Type.Literal('basic'), Type.Literal('digest')], {
      default: 'none', description: 'Credentials asked of uploads: none, basic (only over HTTPS is it safe) or digest (RFC 7616, SHA-256 and MD5). With basic or digest, users are required.',
    }),
    users: Type.Array(FileUserSchema, { maxItems: 1024, default: [], description: 'Users allowed to upload (auth basic or digest).' }),
    realm: Type.String({ minLength: 1, maxLength: 128, pattern: PATTERNS.printable, default: 'outpost', description: 'The authentication realm phones are told.' }),
  },
  { additionalProperties: false, description: 'Phone backups: settings files uploaded by PUT or POST, stored atomically beside the served set, the previous version kept.' },
);

export const FilesHttpSchema = Type.Object(
  {
    listen: Type.Array(Listen(DEFAULT_HTTP_PORT, 'HTTP'), { minItems: 1, maxItems: 16, description: 'Where files are served over HTTP (HTTPS with tls).' }),
    tls: Type.Optional(Type.Object(
      {
        certFile: Path('The certificate chain in PEM (relative: against the config file\'s directory).'),
        keyFile: Path('Its private key in PEM.'),
      },
      { additionalProperties: false, description: 'Serve HTTPS instead of HTTP on every listen address.' },
    )),
    maxConnections: Type.Integer({ minimum: 1, maximum: 100_000, default: 4096, description: 'Open connections at most; further ones are refused until one closes.' }),
    idleTimeout: Type.Integer({ minimum: 1, maximum: 3600, default: 30, description: 'Seconds a keep-alive connection may stay idle.' }),
    requestTimeout: Type.Integer({ minimum: 1, maximum: 3600, default: 60, description: 'Seconds a client has to send a whole request (headers and body): slow clients are cut off.' }),
    accessLog: Type.Boolean({ default: true, description: 'Log every request (FILES_HTTP_ACCESS): method, path, status, bytes, client, duration.' }),
    uploads: Type.Optional(UploadsSchema),
  },
  { additionalProperties: false, description: 'The HTTP file service.' },
);

export const FilesTftpSchema = Type.Object(
  {
    listen: Type.Array(Listen(DEFAULT_TFTP_PORT, 'TFTP'), { minItems: 1, maxItems: 16, description: 'Where files are served over TFTP.' }),
    maxTransfers: Type.Integer({ minimum: 1, maximum: 100_000, default: 1000, description: 'Transfers at once at most; further requests get an error packet until one ends.' }),
    timeout: Type.Integer({ minimum: 1, maximum: 255, default: 1, description: 'Seconds before a block (or window) is sent again when its ACK has not come; a client\'s timeout option (RFC 2349) overrides it.' }),
    retries: Type.Integer({ minimum: 1, maximum: 100, default: 5, description: 'Times a block is sent again before the transfer is given up.' }),
    maxBlksize: Type.Integer({ minimum: 512, maximum: MAX_TFTP_BLKSIZE, default: 1468, description: 'Largest block size granted (RFC 2348); the default fits a 1500-byte Ethernet frame.' }),
    maxWindowsize: Type.Integer({ minimum: 1, maximum: MAX_TFTP_WINDOWSIZE, default: 64, description: 'Largest window size granted (RFC 7440).' }),
    writable: Type.Array(TreePath('A directory of the tree (ending in "/") TFTP write requests may store into.'), {
      maxItems: 64, default: [], description: 'Where write requests (WRQ) are accepted; empty (the default): read-only.',
    }),
    maxWriteBytes: Type.Integer({ minimum: 1, maximum: 1 << 30, default: 1 << 20, description: 'Largest file a write request may store (bytes); a larger one (or a larger tsize) gets ERROR 3. The blocks are kept in memory until the last one.' }),
  },
  { additionalProperties: false, description: 'The TFTP file service (RFC 1350, options RFC 2347–2349, windowsize RFC 7440).' },
);

export const ManifestFileSchema = Type.Object(
  {
    path: TreePath('The file\'s path in the served tree, e.g. "firmware/SIP88xx.12-0-1.loads".'),
    size: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Its size in bytes.' }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Its SHA-256, lower-case hex.' }),
  },
  { additionalProperties: false, description: 'One file of the set.' },
);

export const FilesSyncSchema = Type.Object(
  {
    manifest: Type.Object(
      {
        version: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._-]+$', description: 'The set\'s version, e.g. "2026-12-01.3".' }),
        files: Type.Array(ManifestFileSchema, { maxItems: 100_000, description: 'Every file of the set.' }),
      },
      { additionalProperties: false, description: 'The set the site must serve.' },
    ),
    sources: Type.Array(
      Type.Object(
        {
          url: Type.String({ minLength: 1, maxLength: 2048, pattern: '^https?://[^\\s]+$', description: 'Base URL a file\'s path is appended to (the manager, or another site\'s HTTP file service).' }),
          tokenFile: Type.Optional(Path('A file holding a bearer token sent to this source.')),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 8, description: 'Where files are fetched from, tried in order.' },
    ),
    retryInterval: Type.Integer({ minimum: 1, maximum: 86_400, default: 60, description: 'Seconds between attempts while the set is not complete (a source unreachable, a file that does not verify).' }),
    bandwidth: Type.Optional(Type.Integer({ minimum: 1024, maximum: 10_000_000_000, description: 'Bytes per second the sync may use at most (a slow WAN link); absent: no cap.' })),
  },
  { additionalProperties: false, description: 'Keep the served set equal to a manifest: fetch what changed, verify each SHA-256, switch to the new set at once.' },
);

export const FilesSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Run the file service.' }),
    root: Path('The directory served when there is no sync (relative: against the config file\'s directory). With sync, the set synced is served instead.'),
    dataDir: Path('Directory the service owns: synced sets, downloads in progress, uploaded backups.'),
    http: Type.Optional(FilesHttpSchema),
    tftp: Type.Optional(FilesTftpSchema),
    sync: Type.Optional(FilesSyncSchema),
  },
  { additionalProperties: false, description: 'Phone provisioning files over HTTP and TFTP (docs/files.md). Absent: no file service.' },
);

export type FilesConfig = Static<typeof FilesSchema>;
export type FilesHttpConfig = Static<typeof FilesHttpSchema>;
export type FilesTftpConfig = Static<typeof FilesTftpSchema>;
export type FilesSyncConfig = Static<typeof FilesSyncSchema>;
export type UploadsConfig = Static<typeof UploadsSchema>;
export type ManifestFile = Static<typeof ManifestFileSchema>;
