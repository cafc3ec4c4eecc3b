import { describe, expect, it } from 'vitest';
import { isCommonPassword } from './common-passwords.ts';

describe('the common-password list', () => {
  it('knows the passwords attackers try first, whatever their case', () => {
    for (const password of ['password', 'Password', 'qwerty123', 'iloveyou', 'Dragon'])
      expect(isCommonPassword(password)).toBe(true);
  });

  it('sees through a few digits or symbols added around a common word', () => {
    for (const password of ['Password123!', 'Welcome2024!', 'Monkey-1', '!Sunshine99'])
      expect(isCommonPassword(password)).toBe(true);
  });

  it('sees through simple letter substitutions', () => {
    expect(isCommonPassword('P@ssw0rd!')).toBe(true);
  });

  it('leaves alone passwords that merely contain a common word', () => {
    for (const password of ['Velvet-Otter-9', 'monkey-on-a-unicycle-42!', 'Password-of-my-own-1989'])
      expect(isCommonPassword(password)).toBe(false);
  });
});
