// The name a client is registered under: the first label of what it sent (option 81's
// name, else option 12's host name), sanitised to a DNS host label (RFC 952/1123:
// letters, digits, hyphens; at most 63 bytes; no hyphen at either end), lower case,
// in the subnet's forward zone. Other labels the client sent are dropped: a client
// never picks the zone (it could otherwise claim names anywhere the key may write).
import { nameFromText } from '../../wire/dns-name.js';

/** The host label of a client-supplied name, or undefined when nothing usable is left. */
export function hostLabel(text: string | undefined): string | undefined {
  if (text === undefined || text.length === 0) return undefined;
  let first: string;
  if (text.includes('\\')) {
    // An escaped name (option 81 in wire form, decoded to presentation text): read its labels.
    try {
      first = nameFromText(text.endsWith('.') ? text : `${text}.`).labels[0]?.toString('latin1') ?? '';
    } catch {
      return undefined;
    }
  } else {
    first = text.split('.')[0]!;
  }
  const label = first.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return label.length > 0 ? label : undefined;
}

/** "phone-1" in "voice.example.com." → "phone-1.voice.example.com."; undefined when too long for DNS. */
export function qualify(label: string, zone: string): string | undefined {
  const fqdn = `${label}.${zone}`;
  return fqdn.length > 254 ? undefined : fqdn;
}

/** The name a client is registered under in `zone`: its host label there, or undefined when none is usable. */
export function registeredName(text: string | undefined, zone: string): string | undefined {
  const label = hostLabel(text);
  return label && qualify(label, zone);
}

/** The PTR owner of an IPv4 address: 192.0.2.7 → 7.2.0.192.in-addr.arpa. */
export function reverseName(address: string): string {
  return `${address.split('.').reverse().join('.')}.in-addr.arpa.`;
}
