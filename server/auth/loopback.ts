import { isIP } from 'node:net';

/**
 * True for addresses only this machine can reach: localhost, 127.0.0.0/8,
 * ::1 (and its IPv4-mapped form). 0.0.0.0 and :: are every interface, so not
 * loopback.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  if (isIP(v4) === 4) return v4.split('.')[0] === '127';
  return isIP(h) === 6 && /^(0{0,4}:){2,7}0{0,3}1$|^::1$/.test(h);
}
