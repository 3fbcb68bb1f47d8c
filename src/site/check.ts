import { formatProblem } from '../config/problem.js';
import { readSiteConfigFile } from './config-file.js';
import { EXIT_INVALID_CONFIG, EXIT_OK } from './run.js';

/**
 * `outpost site check`: prints every problem with its path and reason; exit 2 when any.
 * Warnings (valid, but probably not meant) are printed as `warning: …` and do not fail.
 */
export async function checkSite(configPath: string, out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const result = await readSiteConfigFile(configPath);
  if (result.ok) {
    for (const w of result.loaded.warnings) err.write(`warning: ${formatProblem(configPath, w)}\n`);
    out.write(`${configPath}: OK (site ${result.loaded.config.site.name}, server ${result.loaded.config.server.name}, ${result.loaded.hash})\n`);
    return EXIT_OK;
  }
  for (const p of result.problems) err.write(formatProblem(configPath, p) + '\n');
  err.write(`${configPath}: ${result.problems.length} error(s)\n`);
  return EXIT_INVALID_CONFIG;
}
