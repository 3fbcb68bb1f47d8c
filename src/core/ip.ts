// Pure address syntax checks, usable from every layer (node:net is off limits below the runtime).

const IPV4_OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${IPV4_OCTET}(\\.${IPV4_OCTET}){3}$`);

export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

export function isIPv6(text: string): boolean {
  if (text.length < 2 || text.length > 45) return false;
  let head = text;
  let groupsFromV4 = 0;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    if (!isIPv4(text.slice(lastColon + 1))) return false;
    head = text.slice(0, lastColon + 1) + '0';
    groupsFromV4 = 1; // an embedded IPv4 stands for two groups; '0' stands for one of them
  }
  const halves = head.split('::');
  if (halves.length > 2) return false;
  const group = /^[0-9a-fA-F]{1,4}$/;
  const parts = (h: string) => (h === '' ? [] : h.split(':'));
  const groups = halves.flatMap(parts);
  if (!groups.every((g) => group.test(g))) return false;
  const count = groups.length + groupsFromV4;
  return halves.length === 2 ? count <= 7 : count === 8;
}

export function isIPAddress(text: string): boolean {
  return isIPv4(text) || isIPv6(text);
}
