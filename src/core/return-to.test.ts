// SECURITY 81: the allow-list of return_to, against the corpus of attacks kept as data
// (test/corpus/return-to-attacks.json) and the addresses an app really sends.
import { describe, expect, it } from 'vitest';
import { ATTACKED, isOwnChain, returnToAttacks } from '../../test/support/return-to-attacks.ts';
import { returnTarget } from './return-to.ts';

const home = new URL(ATTACKED.service);
const apps = new Set([ATTACKED.app]);
const target = (value: unknown) => returnTarget(value, apps, home);

describe('return_to (SECURITY 81)', () => {
  it('returns to an allowed app, and to a page of ours, as the browser would write the address', () => {
    expect(target('https://app.example.com/deals/42?tab=notes#top')).toBe(
      'https://app.example.com/deals/42?tab=notes#top',
    );
    expect(target('HTTPS://APP.EXAMPLE.COM:443/deals')).toBe('https://app.example.com/deals');
    expect(target('https://app.example.com')).toBe('https://app.example.com/');
    expect(target('/settings/security')).toBe('https://accounts.example.com/settings/security');
    expect(target('https://accounts.example.com/settings/profile')).toBe(
      'https://accounts.example.com/settings/profile',
    );
    // Percent-encoded text that is not a control character is an ordinary address.
    expect(target('https://app.example.com/search?q=caf%C3%A9%20cr%C3%A8me')).toBe(
      'https://app.example.com/search?q=caf%C3%A9%20cr%C3%A8me',
    );
  });

  it.each(returnToAttacks.filter((attack) => !isOwnChain(attack.value)))('refuses $why', (attack) => {
    expect(target(attack.value)).toBeUndefined();
  });

  it('sends a chain through our own pages back to them only, where the next return_to is checked again', () => {
    for (const attack of returnToAttacks.filter((one) => isOwnChain(one.value))) {
      expect(new URL(target(attack.value)!).origin, attack.why).toBe(home.origin);
    }
  });

  it('refuses what is not a string, and knows no app when none is allowed', () => {
    for (const value of [undefined, null, 42, ['https://app.example.com/'], { href: 'https://app.example.com/' }]) {
      expect(target(value)).toBeUndefined();
    }
    expect(returnTarget('https://app.example.com/', new Set(), home)).toBeUndefined();
    expect(returnTarget('/settings', new Set(), home)).toBe('https://accounts.example.com/settings');
  });
});
