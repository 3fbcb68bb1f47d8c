// Utilisation thresholds (docs/manager.md "Alerts"): when a subnet's or a pool's
// utilisation raises a warning and a critical alert. One without a subnet or a range is
// the default for every pool; without that, pools alert at 80 % and 95 %. A subnet alerts
// only when it has a threshold of its own.
import { Type } from '@sinclair/typebox';
import { ManagerError } from '../errors.js';
import type { ResourceDef } from './resource.js';
import { Description, ObjectId } from './fields.js';

const Percent = (description: string, value: number) => Type.Number({ minimum: 0, maximum: 100, default: value, description });

export const DEFAULT_WARNING = 80;
export const DEFAULT_CRITICAL = 95;

export const ThresholdDoc = Type.Object({
  subnetId: Type.Optional(ObjectId('The subnet these thresholds are for (its pools too, unless a pool has its own).')),
  rangeId: Type.Optional(ObjectId('The pool these thresholds are for.')),
  warning: Percent('Utilisation (percent) from which a warning alert is raised.', DEFAULT_WARNING),
  critical: Percent('Utilisation (percent) from which a critical alert is raised.', DEFAULT_CRITICAL),
  description: Description(),
}, { additionalProperties: false });

export const utilisationThresholds: ResourceDef<typeof ThresholdDoc> = {
  type: 'utilisation threshold', table: 'utilisation_threshold', path: 'utilisation-thresholds', title: 'UtilisationThreshold', schema: ThresholdDoc,
  columns: { subnetId: 'subnet_id', rangeId: 'range_id' },
  filters: ['subnetId', 'rangeId'],
  references: { subnetId: { table: 'subnet', what: 'subnet' }, rangeId: { table: 'ip_range', what: 'range' } },
  async check(trx, doc, id) {
    const object = `utilisation threshold${id ? ` ${id}` : ''}`;
    if (doc.subnetId !== undefined && doc.rangeId !== undefined) throw new ManagerError('MANAGER_INVALID', 'invalid', 'give a subnetId or a rangeId, not both', object, 'rangeId');
    if (doc.warning > doc.critical) throw new ManagerError('MANAGER_INVALID', 'invalid', `warning ${doc.warning} is above critical ${doc.critical}`, object, 'warning');
    if (doc.rangeId !== undefined) {
      const range = await trx.selectFrom('ip_range').select('kind').where('id', '=', doc.rangeId).executeTakeFirst();
      if (range?.kind !== 'pool') throw new ManagerError('MANAGER_INVALID', 'invalid', `range ${doc.rangeId} is an exclusion; thresholds are for pools`, object, 'rangeId');
    }
    // One threshold per subnet, per pool, and one default (neither): a null is not unique to the database.
    let q = trx.selectFrom('utilisation_threshold').select('id')
      .where('subnet_id', doc.subnetId === undefined ? 'is' : '=', doc.subnetId ?? null)
      .where('range_id', doc.rangeId === undefined ? 'is' : '=', doc.rangeId ?? null);
    if (id !== undefined) q = q.where('id', '!=', id);
    const other = await q.executeTakeFirst();
    if (other) {
      const of = doc.subnetId !== undefined ? `subnet ${doc.subnetId}` : doc.rangeId !== undefined ? `pool ${doc.rangeId}` : 'the default (no subnetId, no rangeId)';
      throw new ManagerError('MANAGER_CONFLICT', 'conflict', `utilisation threshold ${other.id} is ${of}'s already`, object, doc.rangeId !== undefined ? 'rangeId' : 'subnetId');
    }
  },
  label: (d) => `${d.subnetId !== undefined ? `subnet ${d.subnetId}` : d.rangeId !== undefined ? `pool ${d.rangeId}` : 'default'} ${d.warning}%/${d.critical}%`,
};
