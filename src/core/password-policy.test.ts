import { describe, expect, it } from 'vitest';
import {
  checkPassword,
  codePoints,
  MAX_LENGTH,
  normalisePassword,
  noteRules,
  type PolicyContext,
} from './password-policy.ts';

const documented: PolicyContext = { profile: 'documented' };
const unmet = (password: string, context: PolicyContext = documented) => checkPassword(password, context).unmet;

describe('the documented rules ("Passwords must: …")', () => {
  it('accepts a password that meets all four', () => {
    expect(checkPassword('Velvet-Otter-9', documented)).toMatchObject({ ok: true, unmet: [] });
  });

  it('contain at least nine characters', () => {
    expect(unmet('Ab1!efgh')).toEqual(['min-length']);
    expect(unmet('Ab1!efghi')).toEqual([]);
  });

  it('use upper and lower case', () => {
    expect(unmet('velvet-otter-9')).toEqual(['mixed-case']);
    expect(unmet('VELVET-OTTER-9')).toEqual(['mixed-case']);
  });

  it('include a number', () => {
    expect(unmet('Velvet-Otter-x')).toEqual(['number']);
  });

  it('use a special character', () => {
    expect(unmet('VelvetOtter9')).toEqual(['special']);
  });

  it('reports every broken rule at once', () => {
    expect(unmet('abc')).toEqual(['min-length', 'mixed-case', 'number', 'special']);
  });

  it('lists the four rules in the note, and only the length for the NIST profile', () => {
    expect(noteRules('documented')).toEqual(['min-length', 'mixed-case', 'number', 'special']);
    expect(noteRules('nist')).toEqual(['min-length']);
  });
});

describe('Unicode (SECURITY 2, 5, 6)', () => {
  it('counts code points, not UTF-16 units: eight emoji and a letter are nine characters', () => {
    const password = 'É9😀😀😀😀😀😀é';
    expect(password.length).toBeGreaterThan(9);
    expect(codePoints(password)).toBe(9);
    expect(unmet(password)).toEqual([]);
    expect(unmet('É9😀😀😀😀😀é')).toEqual(['min-length']);
  });

  it('takes upper and lower case from any script', () => {
    expect(unmet('Ωμέγα-ΣΙΓΜΑ-7')).toEqual([]);
    expect(unmet('Привет-мир-7')).toEqual([]);
    expect(unmet('привет-мир-7')).toEqual(['mixed-case']);
  });

  it('takes digits from any script', () => {
    expect(unmet('Velvet-Otter-٣')).toEqual([]);
  });

  it('counts spaces, symbols and emoji as special characters, but not accents', () => {
    expect(unmet('Velvet Otter 9')).toEqual([]);
    expect(unmet('VelvetOtter9€')).toEqual([]);
    expect(unmet('VelvetOtter9🦦')).toEqual([]);
    expect(unmet('VelvétOttèr9')).toEqual(['special']);
  });

  it('normalises with NFKC before any rule: fullwidth letters and digits are ordinary ones', () => {
    const fullwidth = 'Ｖｅｌｖｅｔ－Ｏｔｔｅｒ－９';
    const result = checkPassword(fullwidth, documented);
    expect(result.password).toBe('Velvet-Otter-9');
    expect(result.ok).toBe(true);
    expect(normalisePassword('ﬁne-Velvet-9')).toBe('fine-Velvet-9');
  });

  it('composes decomposed accents, so both spellings are the same password', () => {
    expect(normalisePassword('Cafe\u0301-Velvet-9')).toBe(normalisePassword('Café-Velvet-9'));
  });

  it('never trims or changes case (SECURITY 4)', () => {
    expect(checkPassword('  Velvet-Otter-9  ', documented).password).toBe('  Velvet-Otter-9  ');
  });
});

describe('length bounds (SECURITY 3)', () => {
  it('accepts 64 characters and up to the documented maximum', () => {
    expect(unmet(`Aa1!${'x'.repeat(60)}`)).toEqual([]);
    expect(unmet(`Aa1!${'x'.repeat(MAX_LENGTH - 4)}`)).toEqual([]);
  });

  it('refuses one character more than the maximum', () => {
    expect(unmet(`Aa1!${'x'.repeat(MAX_LENGTH - 3)}`)).toEqual(['max-length']);
  });

  it('refuses an absurdly long input without looking at it', () => {
    expect(checkPassword('Aa1!'.repeat(100_000), documented)).toEqual({
      ok: false,
      password: '',
      unmet: ['max-length'],
    });
  });
});

describe('context (SECURITY 7)', () => {
  it('refuses the email address or its local part', () => {
    const context = { ...documented, email: 'ada.lovelace@example.com' };
    expect(unmet('Ada.Lovelace@example.com1', context)).toContain('not-email');
    expect(unmet('Xx-AdaLovelace-99', context)).toContain('not-email');
    expect(unmet('Velvet-Otter-9', context)).toEqual([]);
  });

  it('refuses the name and the brand, however they are spaced or cased', () => {
    const context = { ...documented, contextWords: ['Ada Lovelace', 'Sales Connect'] };
    expect(unmet('Lovelace-1815!', context)).toEqual(['not-context']);
    expect(unmet('SALES-connect-99', context)).toEqual(['not-context']);
    expect(unmet('Velvet-Otter-9', context)).toEqual([]);
  });

  it('ignores words too short to matter', () => {
    expect(unmet('Velvet-Ada-Otter-9', { ...documented, contextWords: ['Ada'] })).toEqual([]);
  });

  it('asks the common-password list when one is given', () => {
    expect(unmet('Velvet-Otter-9', { ...documented, isCommon: () => true })).toEqual(['not-common']);
  });
});

describe('the NIST profile', () => {
  const nist: PolicyContext = { profile: 'nist' };
  it('asks for fifteen characters and no character classes', () => {
    expect(unmet('correct horse battery', nist)).toEqual([]);
    expect(unmet('short one here', nist)).toEqual(['min-length']);
  });
});
