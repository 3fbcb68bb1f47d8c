// Test program, run inside the server's namespace: reads "address mac" lines (what
// clients saw ACKed) from FILE and asks the server's status port for each address
// (GET /leases?address=…, kept-alive connections). Prints one JSON line: how many were
// checked and each that is not a bound lease of that MAC. Bounded: every request has
// a timeout.
// Usage: node dhcp4-lease-check.js STATUS_URL FILE [CONCURRENCY]
import { readFileSync } from 'node:fs';
import { Agent, get } from 'node:http';

const [url = '', file = '', concurrencyText = '8'] = process.argv.slice(2);
const pairs = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ') as [string, string]);
const bad: { address: string; mac: string; found: unknown }[] = [];
const agent = new Agent({ keepAlive: true, maxSockets: Number(concurrencyText) });
const ask = (address: string) => new Promise<string>((resolve, reject) => {
  const req = get(`${url}/leases?address=${address}`, { agent, timeout: 5_000 }, (res) => {
    let body = '';
    res.setEncoding('utf8').on('data', (s: string) => { body += s; }).on('end', () => resolve(body)).on('error', reject);
  });
  req.on('timeout', () => req.destroy(new Error(`timeout asking for ${address}`))).on('error', reject);
});
let i = 0;
async function worker(): Promise<void> {
  while (i < pairs.length) {
    const [address, mac] = pairs[i++]!;
    const { leases } = JSON.parse(await ask(address)) as { leases: { state: string; hwAddress: string }[] };
    const l = leases[0];
    if (!l || l.state !== 'bound' || l.hwAddress !== mac) bad.push({ address, mac, found: l ?? null });
  }
}
await Promise.all(Array.from({ length: Number(concurrencyText) }, worker));
agent.destroy();
console.log(JSON.stringify({ checked: pairs.length, bad }));
