// Content-Type of a served file by its extension (docs/files.md "HTTP"): the files phones
// and access points fetch, with nginx's mime.types values where nginx has one (text/xml,
// application/x-x509-ca-cert) so the two serve the same headers; no charset is added,
// as nginx adds none. Anything else is application/octet-stream. Pure.

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

const TYPES: ReadonlyMap<string, string> = new Map(Object.entries({
  // configuration
  xml: 'text/xml',
  cnf: 'text/plain',
  cfg: 'text/plain',
  txt: 'text/plain',
  json: 'application/json',
  // firmware and archives
  loads: DEFAULT_CONTENT_TYPE,
  sbn: DEFAULT_CONTENT_TYPE,
  sgn: DEFAULT_CONTENT_TYPE,
  bin: DEFAULT_CONTENT_TYPE,
  zip: 'application/zip',
  tar: 'application/x-tar',
  gz: 'application/gzip',
  tgz: 'application/gzip',
  // certificates
  pem: 'application/x-x509-ca-cert',
  crt: 'application/x-x509-ca-cert',
  cer: 'application/x-x509-ca-cert',
  der: 'application/x-x509-ca-cert',
  // ringtones, backgrounds, directory pages
  wav: 'audio/wav',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  bmp: 'image/bmp',
  html: 'text/html',
  htm: 'text/html',
}));

/** The Content-Type of the file at `path` (a tree path: "/"-separated). */
export function contentTypeOf(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  if (dot <= slash + 1) return DEFAULT_CONTENT_TYPE; // no extension, or a dot file
  return TYPES.get(path.slice(dot + 1).toLowerCase()) ?? DEFAULT_CONTENT_TYPE;
}
