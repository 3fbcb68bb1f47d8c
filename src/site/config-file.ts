import { readFile, stat } from 'node:fs/promises';
import { parseSiteConfig, type SiteConfigResult } from '../config/site-config.js';

/** Manager-rendered configs of large sites stay far below this; a bigger file is a mistake. */
const MAX_CONFIG_BYTES = 64 * 1024 * 1024;

const reasons: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
};

export async function readSiteConfigFile(path: string): Promise<SiteConfigResult> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return unreadable('not a regular file');
    if (info.size > MAX_CONFIG_BYTES) return unreadable(`too large (${info.size} bytes; at most ${MAX_CONFIG_BYTES})`);
    return parseSiteConfig(await readFile(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    return unreadable(reasons[code] ?? (error as Error).message);
  }
}

function unreadable(reason: string): SiteConfigResult {
  return { ok: false, problems: [{ code: 'CONFIG_UNREADABLE', path: '$', reason }] };
}
