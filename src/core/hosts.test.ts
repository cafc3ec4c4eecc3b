import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from './hosts.ts';

describe('loopback hosts', () => {
  it('are localhost, 127.0.0.0/8 and ::1, however a URL or an address writes them', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]', new URL('http://[::1]:3000').hostname]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of [
      '0.0.0.0',
      '::',
      '10.0.0.1',
      'localhost.example.com',
      '127.0.0.1.nip.io',
      '[::2]',
      '128.0.0.1',
    ]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});
