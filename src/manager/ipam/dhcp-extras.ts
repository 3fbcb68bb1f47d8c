// DHCP options and client classes of one pool or one reservation (docs/manager.md
// "Subnets"): kept as JSON in the row's `data`, rendered into the site config's pool or
// reservation as they are. Checked as option sets and scopes are: values by the site's
// own option renderer, class names against the client classes that exist.
import type { DhcpOptionValues } from '../../config/dhcp-schema.js';
import { ManagerError } from '../errors.js';
import { checkOptions } from '../objects/dhcp.js';
import type { Trx } from './transaction.js';

export interface DhcpExtras {
  readonly options?: DhcpOptionValues;
  readonly classes?: readonly string[];
}

/** A patch of them: each given replaces the stored one whole; an empty one removes it. */
export type DhcpExtrasPatch = DhcpExtras;

const nonEmpty = <T extends object>(v: T | undefined): T | undefined => (v !== undefined && Object.keys(v).length > 0 ? v : undefined);

/** The extras stored in a row's `data` (null: none). */
export function extrasOf(data: string | null): DhcpExtras {
  return data ? JSON.parse(data) as DhcpExtras : {};
}

/** The fields a view shows: only those set. */
export function extrasView(data: string | null): DhcpExtras {
  const e = extrasOf(data);
  return { ...(e.options ? { options: e.options } : {}), ...(e.classes ? { classes: e.classes } : {}) };
}

/** `patch` over the stored extras, checked; the `data` to store (null when none is left). */
export async function mergeExtras(trx: Trx, stored: string | null, patch: DhcpExtrasPatch, object: string): Promise<string | null> {
  const before = extrasOf(stored);
  const options = nonEmpty(patch.options === undefined ? before.options : patch.options);
  const classes = nonEmpty(patch.classes === undefined ? before.classes : patch.classes);
  if (options) checkOptions(options, object);
  for (const [i, name] of (patch.classes ?? []).entries()) {
    const known = await trx.selectFrom('client_class').select('id').where('name', '=', name).executeTakeFirst();
    if (!known) throw new ManagerError('MANAGER_INVALID', 'invalid', `there is no client class ${name}`, object, `classes.${i}`);
  }
  if (!options && !classes) return null;
  return JSON.stringify({ ...(options ? { options } : {}), ...(classes ? { classes } : {}) });
}

/**
 * Refuses options or classes given to what no DHCPv4 server hands out; `why` says why it
 * does not (undefined: it does). Removing them is always allowed.
 */
export function extrasRefusal(p: DhcpExtrasPatch, object: string, why: string | undefined): ManagerError | undefined {
  const sets = nonEmpty(p.options) !== undefined || nonEmpty(p.classes) !== undefined;
  return why !== undefined && sets ? new ManagerError('MANAGER_INVALID', 'invalid', why, object, p.options ? 'options' : 'classes') : undefined;
}

