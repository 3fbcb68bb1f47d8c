// Checks of the `files` section the schema cannot express (docs/files.md), on the
// schema-valid config with its defaults:
//   - uploads with basic or digest need users; users unique, each with exactly one of
//     password and passwordFile; upload and TFTP write paths are directories ("…/");
//   - two listen entries of one protocol never share an address and port;
//   - the manifest names each path once, no path is also a directory of another, and
//     one SHA-256 always comes with one size (the same content).
import type { FilesConfig } from './files-schema.js';
import { jsonPath, type ConfigProblem } from './problem.js';

type Seg = string | number;

export function validateFiles(files: FilesConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const problem = (path: Seg[], reason: string) => problems.push({ code: 'CONFIG_INVALID', path: jsonPath(['files', ...path]), reason });
  const directories = (at: Seg[], paths: readonly string[]) => paths.forEach((p, i) => { if (!p.endsWith('/')) problem([...at, i], `${p} is not a directory: end it with "/"`); });
  const listens = (at: Seg[], list: readonly { address: string; port: number }[]) => {
    const seen = new Map<string, number>();
    list.forEach((l, i) => {
      const key = `${l.address}#${l.port}`;
      const first = seen.get(key);
      if (first !== undefined && l.port !== 0) problem([...at, i], `${l.address} port ${l.port} is also ${jsonPath(['files', ...at, first])}`);
      else seen.set(key, i);
    });
  };
  if (files.http) {
    listens(['http', 'listen'], files.http.listen);
    const up = files.http.uploads;
    if (up) {
      directories(['http', 'uploads', 'paths'], up.paths);
      if (up.auth !== 'none' && up.users.length === 0) problem(['http', 'uploads', 'users'], `auth ${up.auth} needs at least one user`);
      const names = new Map<string, number>();
      up.users.forEach((u, i) => {
        if ((u.password === undefined) === (u.passwordFile === undefined)) problem(['http', 'uploads', 'users', i], 'give exactly one of password and passwordFile');
        const first = names.get(u.name);
        if (first !== undefined) problem(['http', 'uploads', 'users', i, 'name'], `user ${u.name} is also files.http.uploads.users[${first}]`);
        else names.set(u.name, i);
      });
    }
  }
  if (files.tftp) {
    listens(['tftp', 'listen'], files.tftp.listen);
    directories(['tftp', 'writable'], files.tftp.writable);
  }
  if (files.sync) {
    const paths = new Map<string, number>();
    const sizes = new Map<string, number>();
    files.sync.manifest.files.forEach((f, i) => {
      const first = sizes.get(f.sha256);
      if (first !== undefined && files.sync!.manifest.files[first]!.size !== f.size) {
        problem(['sync', 'manifest', 'files', i, 'size'], `${f.size} bytes, but files.sync.manifest.files[${first}] has the same sha256 with ${files.sync!.manifest.files[first]!.size}`);
      } else if (first === undefined) sizes.set(f.sha256, i);
    });
    files.sync.manifest.files.forEach((f, i) => {
      const first = paths.get(f.path);
      if (first !== undefined) problem(['sync', 'manifest', 'files', i, 'path'], `${f.path} is also files.sync.manifest.files[${first}]`);
      else if (f.path.endsWith('/')) problem(['sync', 'manifest', 'files', i, 'path'], `${f.path} is a directory, not a file`);
      else paths.set(f.path, i);
    });
    for (const [path, i] of paths) {
      for (let cut = path.indexOf('/'); cut > 0; cut = path.indexOf('/', cut + 1)) {
        const dir = path.slice(0, cut);
        const other = paths.get(dir);
        if (other !== undefined) problem(['sync', 'manifest', 'files', other, 'path'], `${dir} is a file and also the directory of files.sync.manifest.files[${i}]`);
      }
    }
  }
  return problems;
}
