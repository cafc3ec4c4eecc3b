import { describe, expect, it } from 'vitest';
import { isEmailAddress, normaliseEmail } from './email-address.ts';

describe('email addresses', () => {
  it('are compared in one normal form: trimmed, NFKC, lower case', () => {
    expect(normaliseEmail('  Ada.Lovelace@Example.COM ')).toBe('ada.lovelace@example.com');
    expect(normaliseEmail('ａｄａ@example.com')).toBe('ada@example.com');
  });

  it('accept what real mailboxes look like', () => {
    for (const address of ['ada@example.com', 'ada+sales@mail.example.co.uk', "o'brien@example.ie", 'zoë@exämple.fr']) {
      expect(isEmailAddress(normaliseEmail(address))).toBe(true);
    }
  });

  it('refuse anything that could be a second address, a header or a trick', () => {
    for (const address of [
      '',
      'ada',
      'ada@',
      '@example.com',
      'ada@localhost',
      'ada@example',
      'ada@@example.com',
      'ada@example.com,eve@evil.example',
      'ada@example.com\r\nbcc: eve@evil.example',
      'ada example@example.com',
      '"ada"@example.com',
      'ada@[127.0.0.1]',
      'ada@example.123',
      `${'a'.repeat(65)}@example.com`,
      `ada@${'a'.repeat(250)}.com`,
    ]) {
      expect(isEmailAddress(normaliseEmail(address))).toBe(false);
    }
  });
});
