// VLANs (docs/manager.md "Service objects"): a VLAN id of a site (or of every site, for
// a network-wide voice VLAN); subnets name the VLAN they are on.
import { Type } from '@sinclair/typebox';
import type { ResourceDef } from './resource.js';
import { Description, ObjectId } from './fields.js';

export const VlanDoc = Type.Object({
  siteId: Type.Optional(ObjectId('The site the VLAN is local to; absent: the same VLAN id at every site.')),
  vid: Type.Integer({ minimum: 1, maximum: 4094, description: 'The 802.1Q VLAN id.' }),
  name: Type.String({ minLength: 1, maxLength: 64, pattern: '^[ -~]+$', description: 'e.g. "voice".' }),
  description: Description(),
}, { additionalProperties: false });

export const vlans: ResourceDef<typeof VlanDoc> = {
  type: 'VLAN', table: 'vlan', path: 'vlans', title: 'Vlan', schema: VlanDoc,
  columns: { siteId: 'site_id', vid: 'vid', name: 'name' },
  filters: ['siteId', 'vid'],
  unique: [['siteId', 'vid']],
  references: { siteId: { table: 'site', what: 'site' } },
  referencedBy: [{ table: 'subnet', column: 'vlan_id', what: 'subnet' }],
  label: (d) => `${d.vid} ${d.name}`,
};
