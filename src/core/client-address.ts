// Who sent a request, as the flows record it, and the key under which a client is counted (SECURITY 22).
// IPv6 hosts get a whole /64 each, so an attacker rotating through the addresses of one prefix is still one
// client.
import { isIPv4, isIPv6 } from 'node:net';

export interface ClientInfo {
  address: string;
  userAgent: string;
}

/** What is kept of a User-Agent (sessions, security events): enough to recognise a device, bounded. */
export function storedUserAgent(client: ClientInfo): string {
  return client.userAgent.slice(0, 512);
}

export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return 'unknown';
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((group) => group.padStart(4, '0'))
    .join(':')}::/64`;
}
