// Free ports on loopback, picked per run so parallel or leftover runs never collide.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

function udpFree(address: string, port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => { s.close(); resolve(undefined); });
    s.bind(port, address, () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

function tcpFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, address, () => s.close(() => resolve(true)));
  });
}

/** A high port free for both UDP and TCP on address (DNS servers listen on both). */
export async function freePort(address: string): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await udpFree(address, 0);
    if (port !== undefined && port >= 10_000 && (await tcpFree(address, port))) return port;
  }
  throw new Error(`no free UDP+TCP port found on ${address}`);
}
