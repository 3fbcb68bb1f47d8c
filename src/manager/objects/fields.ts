// Field shapes the service objects share (docs/manager.md "Service objects"): the site
// config's own patterns, so what the manager accepts renders into a config the site accepts.
import { Type } from '@sinclair/typebox';
import { PATTERNS } from '../../config/dhcp-schema.js';

export const ObjectId = (description: string) => Type.Integer({ minimum: 1, description });
export const Label = (description: string) => Type.String({ minLength: 1, maxLength: 63, pattern: PATTERNS.name, description });
export const Ipv4 = (description: string) => Type.String({ pattern: PATTERNS.ipv4, description });
export const Port = (defaultPort: number, description: string) => Type.Integer({ minimum: 1, maximum: 65535, default: defaultPort, description });
export const Description = () => Type.Optional(Type.String({ maxLength: 500, description: 'Free text for administrators.' }));
