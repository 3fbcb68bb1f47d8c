// Readiness and sanity probe for the dns-udp bench: one A query over UDP. A
// server only counts as up once it answers a known name from the zone with
// NOERROR and an answer, so load never measures a half-started server or one
// that answers REFUSED/SERVFAIL very fast.
import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';

function encodeQuery(id: number, name: string): Buffer {
  const labels = name.replace(/\.$/, '').split('.');
  const parts: Buffer[] = [Buffer.from([id >> 8, id & 255, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const l of labels) parts.push(Buffer.from([l.length]), Buffer.from(l, 'ascii'));
  parts.push(Buffer.from([0, 0, 1, 0, 1])); // root, QTYPE A, QCLASS IN
  return Buffer.concat(parts);
}

export interface ProbeAnswer { rcode: number; answers: number }

/** One query with a timeout; undefined when nothing came back. */
export function queryOnce(address: string, port: number, name: string, timeoutMs: number): Promise<ProbeAnswer | undefined> {
  return new Promise((resolve) => {
    const id = randomInt(65536);
    const sock = createSocket('udp4');
    const done = (a: ProbeAnswer | undefined) => { clearTimeout(timer); sock.close(); resolve(a); };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('error', () => done(undefined));
    sock.on('message', (msg) => {
      if (msg.length < 12 || msg.readUInt16BE(0) !== id) return;
      done({ rcode: msg.readUInt16BE(2) & 0x0f, answers: msg.readUInt16BE(6) });
    });
    sock.send(encodeQuery(id, name), port, address, (err) => { if (err) done(undefined); });
  });
}

/**
 * Polls until `name` resolves (NOERROR with an answer) or timeoutMs passes;
 * fails early if the server process exits meanwhile.
 */
export async function waitForDns(
  address: string,
  port: number,
  name: string,
  timeoutMs: number,
  exited: Promise<string>,
): Promise<void> {
  let exitReason: string | undefined;
  void exited.then((r) => { exitReason = r; });
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exitReason !== undefined) throw new Error(`server ${exitReason} before answering`);
    const a = await queryOnce(address, port, name, 300);
    if (a && a.rcode === 0 && a.answers > 0) return;
    if (a) last = `rcode ${a.rcode}, ${a.answers} answers`;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not answer ${name} on ${address}:${port} within ${timeoutMs} ms (last: ${last})`);
}
