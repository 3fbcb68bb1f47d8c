// A primary zone from its file: read (zone-file/reader.ts), checked (zone-validate.ts),
// indexed (zone.ts). Any error refuses the whole zone with every problem named by file,
// line and reason; warnings come back with the zone.
import { OutpostError } from '../../core/errors.js';
import { parseZoneFile } from './zone-file/index.js';
import { formatZoneProblem, type ZoneProblem } from './zone-problem.js';
import { validateZone } from './zone-validate.js';
import { Zone } from './zone.js';

export interface LoadedZone {
  readonly zone: Zone;
  readonly warnings: readonly ZoneProblem[];
}

/** A zone whose records break a content rule: every error, file and line when known. */
export class ZoneInvalidError extends OutpostError {
  constructor(readonly problems: readonly ZoneProblem[]) {
    const shown = problems.slice(0, 5).map(formatZoneProblem);
    const more = problems.length > shown.length ? ` (and ${problems.length - shown.length} more)` : '';
    super('DNS_ZONE_INVALID', `zone refused: ${shown.join('; ')}${more}`, problems.map(formatZoneProblem));
    this.name = 'ZoneInvalidError';
  }
}

/** Throws ZoneFileError (unreadable text) or ZoneInvalidError (content rules). */
export function loadZoneText(text: string, opts: { origin: string; file: string; readInclude: (path: string) => string }): LoadedZone {
  const origin = opts.origin.endsWith('.') ? opts.origin : `${opts.origin}.`;
  const parsed = parseZoneFile(text, { origin, file: opts.file, readFile: opts.readInclude });
  const checked = validateZone(origin, parsed.records, { sources: parsed.sources });
  const errors = checked.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) throw new ZoneInvalidError(errors);
  return { zone: Zone.build(origin, checked.records), warnings: [...parsed.warnings, ...checked.problems] };
}
