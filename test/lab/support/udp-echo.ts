// Test program: echoes every UDP datagram back to its sender.
// Usage: node udp-echo.js ADDRESS PORT   (prints "udp-echo ready" once bound)
import { createSocket } from 'node:dgram';

const [address = '', port = ''] = process.argv.slice(2);
const socket = createSocket('udp4');
socket.on('message', (msg, peer) => socket.send(msg, peer.port, peer.address));
socket.bind(Number(port), address, () => console.log('udp-echo ready'));
