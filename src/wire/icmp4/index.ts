// The ICMPv4 codec: echo request and reply only (ping before a DHCP offer).
export * from './echo.js';
export { WireDecodeError, WireEncodeError, isWireDecodeError } from '../errors.js';
