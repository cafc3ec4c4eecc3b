import { describe, expect, it } from 'vitest';
import { clientKey } from './client-address.ts';

describe('client keys (SECURITY 22)', () => {
  it('keep IPv4 addresses as they are, also when mapped into IPv6', () => {
    expect(clientKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('group IPv6 addresses by /64, however they are written', () => {
    const key = clientKey('2001:db8:1:2::1');
    expect(key).toBe('2001:0db8:0001:0002::/64');
    expect(clientKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(key);
    expect(clientKey('2001:DB8:1:2:0:0:0:9')).toBe(key);
    expect(clientKey('2001:db8:1:3::1')).not.toBe(key);
    expect(clientKey('::1')).toBe('0000:0000:0000:0000::/64');
  });

  it('put anything unparseable under one key', () => {
    expect(clientKey('not an address')).toBe('unknown');
  });
});
