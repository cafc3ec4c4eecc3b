// Settings → My Profile → Account Details over HTTP, as a browser and an attacker see it: the page of the
// documentation (PRODUCT.md "Signed in", steps 1–3), Save, and every way "Change password" can be refused.
// SECURITY 1–12 (the rules, as the server enforces them), 53–57 (the change while signed in).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Page, TestBrowser, visibleText } from '../../../test/support/browser.ts';
import { startService, type TestService } from '../../../test/support/service.ts';
import type { Locale } from '../../core/locale.ts';
import { countSessionsOfUser } from '../../store/sessions.ts';
import { findUserById, setPasswordHash, type User } from '../../store/users.ts';

const DAY = 86_400_000;
const password = 'Correct-Horse-42';
let service: TestService;

beforeAll(async () => {
  service = await startService();
});
afterAll(() => service.close());

// Every request of this file comes from 127.0.0.1, and wrong passwords count against that client for a day
// (throttles.ts). Each test starts a day later, so no test inherits the failures of another.
beforeEach(() => service.clock.advance(DAY));

interface Account {
  email: string;
  user: User;
  /** Signed in: the browser the test acts in. */
  browser: TestBrowser;
  /** Signed in too: another device of the same person, whose session must survive every refusal. */
  otherDevice: TestBrowser;
}

let accounts = 0;

async function newAccount(options: { email?: string; name?: string; locale?: Locale } = {}): Promise<Account> {
  const email = options.email ?? `person${++accounts}@example.com`;
  const user = await service.addUser({
    email,
    password,
    name: options.name ?? 'Ada Lovelace',
    locale: options.locale ?? 'en',
  });
  const browser = new TestBrowser(service.url);
  const otherDevice = new TestBrowser(service.url);
  expect((await browser.signIn(email, password)).status).toBe(303);
  expect((await otherDevice.signIn(email, password)).status).toBe(303);
  return { email, user, browser, otherDevice };
}

/** Opens My Profile (for the form's CSRF token), fills in the fields and presses Save. */
async function save(browser: TestBrowser, fields: Record<string, string>): Promise<Page> {
  expect((await browser.get('/settings/profile')).status).toBe(200);
  return browser.post('/settings/profile', { name: 'Ada Lovelace', locale: 'en', ...fields });
}

function changePassword(
  browser: TestBrowser,
  change: { current: string; next: string; confirm: string },
  name = 'Ada Lovelace',
): Promise<Page> {
  return save(browser, {
    name,
    change_password: 'on',
    current_password: change.current,
    new_password: change.next,
    confirm_password: change.confirm,
  });
}

const signsIn = async (email: string, attempt: string) =>
  (await new TestBrowser(service.url).signIn(email, attempt)).status;

/** The message shown under a field (the text after the icon). */
function fieldError(page: Page, id: string): string | undefined {
  return new RegExp(`id="${id}-error"[^>]*>[\\s\\S]*?<span>([^<]*)</span>`).exec(page.text)?.[1];
}

/** The messages of the summary at the top of the form, in order. */
function summary(page: Page): string[] {
  const banner = /role="alert"[\s\S]*?<ul>([\s\S]*?)<\/ul>/.exec(page.text)?.[1] ?? '';
  return [...banner.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((match) => visibleText(match[1]!));
}

const nameField = (page: Page) => /id="name" name="name" type="text" value="([^"]*)"/.exec(page.text)?.[1];

/** SECURITY 10: a password typed into the form never comes back in the page, not even escaped. */
function expectNoPasswordIn(page: Page, typed: string[]) {
  for (const value of typed.filter((text) => text.length >= 4)) {
    expect(page.text).not.toContain(value);
    expect(page.text).not.toContain(value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('"', '&quot;'));
  }
  expect(page.text).not.toMatch(/type="password"[^>]*\svalue=/);
}

/** After a refusal: the stored account is as it was, both devices are still in, the old password still works. */
async function expectNothingChanged(account: Account, attempted?: string) {
  expect(await findUserById(service.deps.db, account.user.id)).toEqual(account.user);
  expect((await account.browser.get('/settings/profile')).status).toBe(200);
  expect((await account.otherDevice.get('/settings/profile')).status).toBe(200);
  expect(await signsIn(account.email, password)).toBe(303);
  // (Unless it is the current password in another Unicode form, which is the same password.)
  if (attempted !== undefined && attempted.normalize('NFKC') !== password)
    expect(await signsIn(account.email, attempted)).toBe(401);
}

describe('Settings → My Profile → Account Details', () => {
  it('opens My Profile from Settings, and sends a signed-out visitor to the log-in page', async () => {
    const visitor = new TestBrowser(service.url);
    const settings = await visitor.get('/settings');
    expect(settings.status).toBe(303);
    expect(settings.location).toBe('/settings/profile');
    const profile = await visitor.get('/settings/profile');
    expect(profile.status).toBe(303);
    expect(profile.location).toBe('/login');
  });

  it('shows Account Details with the Change password checkbox, the three fields and the rule note', async () => {
    const { browser } = await newAccount();
    const page = await browser.get('/settings/profile');
    expect(page.status).toBe(200);
    const text = visibleText(page.text);
    for (const label of [
      'Settings',
      'My Profile',
      'Account Details',
      'Change password',
      'Current password',
      'New password',
      'Confirm new password',
      'Save',
    ]) {
      expect(text).toContain(label);
    }
    expect(page.text).toMatch(/<input[^>]*type="checkbox" id="change_password" name="change_password"/);
    expect(page.text).toContain('<label class="checkbox-label" for="change_password">Change password</label>');
    expect(page.text).toMatch(
      /id="current_password" name="current_password" type="password" autocomplete="current-password"/,
    );
    expect(page.text).toMatch(/id="new_password" name="new_password" type="password" autocomplete="new-password"/);
    expect(page.text).toMatch(
      /id="confirm_password" name="confirm_password" type="password" autocomplete="new-password"/,
    );
    // The documentation's note: nine characters, mixed case, a number, a special character.
    expect(text).toContain(
      'Passwords must: Contain at least nine characters Use both upper and lower case letters Include a number Use a special character',
    );
    expect(page.text).toMatch(/id="new_password"[^>]*aria-describedby="password-rules"/);
  });

  it('saves the name and the language, then speaks that language', async () => {
    const { user, browser } = await newAccount();
    const saved = await save(browser, { name: '  Ada King ', locale: 'fr' });
    expect(saved.status).toBe(303);
    expect(saved.location).toBe('/settings/profile?notice=saved');
    expect(await findUserById(service.deps.db, user.id)).toMatchObject({
      name: 'Ada King',
      locale: 'fr',
      password_hash: user.password_hash,
    });

    const page = await browser.get(saved.location!, { 'accept-language': 'en' });
    expect(page.text).toContain('lang="fr"');
    expect(visibleText(page.text)).toContain('Vos modifications ont été enregistrées.');
    expect(nameField(page)).toBe('Ada King');
  });

  it('refuses a name that is empty, too long or rewrites the text around it, and changes nothing', async () => {
    const account = await newAccount();
    for (const [name, message] of [
      ['   ', 'Enter your name.'],
      ['x'.repeat(101), 'Your name must be at most 100 characters.'],
      [
        'Ada\u202eecalevoL',
        'Your name contains invisible characters (such as zero-width spaces or text-direction marks): remove them.',
      ],
      [
        'Eve\u2028Support: call +1 555 0100',
        'Your name must fit on one line: remove any line break, tab or other control character.',
      ],
    ]) {
      const page = await save(account.browser, { name: name!, locale: 'fr' });
      expect(page.status).toBe(422);
      expect(fieldError(page, 'name')).toBe(message);
      expect(summary(page)).toEqual([message]);
    }
    expect(await findUserById(service.deps.db, account.user.id)).toEqual(account.user);
  });
});

describe('Change password: each refusal says exactly why and changes nothing', () => {
  const next = 'Amber-Heron-27!';
  const rules = (text: string) => `The new password does not meet these rules: ${text}.`;

  const refusals: Array<{
    what: string;
    change: { current: string; next: string; confirm: string };
    errors: Array<[field: string, message: string]>;
    account?: { email?: string; name?: string };
  }> = [
    {
      what: 'no current password',
      change: { current: '', next, confirm: next },
      errors: [['current_password', 'Enter your current password.']],
    },
    {
      what: 'a wrong current password',
      change: { current: 'Correct-Horse-43', next, confirm: next },
      errors: [['current_password', 'Your current password is incorrect.']],
    },
    {
      what: 'no new password',
      change: { current: password, next: '', confirm: '' },
      errors: [
        ['new_password', 'Enter a new password.'],
        ['confirm_password', 'Type the new password again to confirm it.'],
      ],
    },
    {
      what: 'no confirmation',
      change: { current: password, next, confirm: '' },
      errors: [['confirm_password', 'Type the new password again to confirm it.']],
    },
    {
      what: 'a confirmation that does not match',
      change: { current: password, next, confirm: 'Amber-Heron-28!' },
      errors: [['confirm_password', 'The passwords do not match.']],
    },
    {
      what: 'eight characters',
      change: { current: password, next: 'Qz7!wxyv', confirm: 'Qz7!wxyv' },
      errors: [['new_password', rules('contain at least nine characters')]],
    },
    {
      what: 'no upper case',
      change: { current: password, next: 'qz7!wxyvk', confirm: 'qz7!wxyvk' },
      errors: [['new_password', rules('use both upper and lower case letters')]],
    },
    {
      what: 'no lower case',
      change: { current: password, next: 'QZ7!WXYVK', confirm: 'QZ7!WXYVK' },
      errors: [['new_password', rules('use both upper and lower case letters')]],
    },
    {
      what: 'no number',
      change: { current: password, next: 'Qz!wxyvkp', confirm: 'Qz!wxyvkp' },
      errors: [['new_password', rules('include a number')]],
    },
    {
      what: 'no special character',
      change: { current: password, next: 'Qz7wxyvkp', confirm: 'Qz7wxyvkp' },
      errors: [['new_password', rules('use a special character')]],
    },
    {
      what: 'every documented rule at once',
      change: { current: password, next: 'qzw', confirm: 'qzw' },
      errors: [
        [
          'new_password',
          rules(
            'contain at least nine characters, use both upper and lower case letters, include a number, and use a special character',
          ),
        ],
      ],
    },
    // SECURITY 2: length in code points: four emoji are four characters, though JavaScript counts eight units.
    {
      what: 'eight code points made of emoji',
      change: { current: password, next: 'Aa1!😀😀😀😀', confirm: 'Aa1!😀😀😀😀' },
      errors: [['new_password', rules('contain at least nine characters')]],
    },
    // SECURITY 2, 5: ten code points as typed, seven after NFKC composes each e + accent into é.
    {
      what: 'ten code points that NFKC makes seven',
      change: { current: password, next: 'Aa1!e\u0301e\u0301e\u0301', confirm: 'Aa1!e\u0301e\u0301e\u0301' },
      errors: [['new_password', rules('contain at least nine characters')]],
    },
    // SECURITY 6: case follows Unicode: Greek capitals alone are not mixed case, and a script without case never is.
    {
      what: 'Greek capitals only',
      change: { current: password, next: 'ΩΜΕΓΑ-2024!', confirm: 'ΩΜΕΓΑ-2024!' },
      errors: [['new_password', rules('use both upper and lower case letters')]],
    },
    {
      what: 'a script without case',
      change: { current: password, next: '密码密码密码密码7!', confirm: '密码密码密码密码7!' },
      errors: [['new_password', rules('use both upper and lower case letters')]],
    },
    // SECURITY 3: the documented maximum, 256 characters, counted in code points.
    {
      what: '257 characters',
      change: { current: password, next: `Aa1!${'x'.repeat(253)}`, confirm: `Aa1!${'x'.repeat(253)}` },
      errors: [['new_password', rules('be no longer than 256 characters')]],
    },
    {
      what: '257 code points of emoji',
      change: { current: password, next: `Aa1!${'😀'.repeat(253)}`, confirm: `Aa1!${'😀'.repeat(253)}` },
      errors: [['new_password', rules('be no longer than 256 characters')]],
    },
    {
      what: 'a thousand characters',
      change: { current: password, next: `Aa1!${'y'.repeat(996)}`, confirm: `Aa1!${'y'.repeat(996)}` },
      errors: [['new_password', rules('be no longer than 256 characters')]],
    },
    // SECURITY 8, also when the two differ only by NFKC (fullwidth letters).
    {
      what: 'the current password again',
      change: { current: password, next: password, confirm: password },
      errors: [['new_password', 'The new password must be different from your current password.']],
    },
    {
      what: 'the current password in fullwidth letters',
      change: {
        current: password,
        next: 'Ｃｏｒｒｅｃｔ－Ｈｏｒｓｅ－４２',
        confirm: 'Ｃｏｒｒｅｃｔ－Ｈｏｒｓｅ－４２',
      },
      errors: [['new_password', 'The new password must be different from your current password.']],
    },
    // SECURITY 7: common, and context-specific.
    {
      what: 'a common password',
      change: { current: password, next: 'Password123!', confirm: 'Password123!' },
      errors: [['new_password', rules('not be a commonly used password')]],
    },
    {
      what: 'the email address inside',
      account: { email: 'margaret.hamilton@example.com' },
      change: { current: password, next: 'Margaret.Hamilton-1969', confirm: 'Margaret.Hamilton-1969' },
      errors: [['new_password', rules('not contain your email address')]],
    },
    {
      what: 'the name inside',
      account: { name: 'Grace Hopper' },
      change: { current: password, next: 'Hopper-Rules-42!', confirm: 'Hopper-Rules-42!' },
      errors: [['new_password', rules('not contain your name or the name of the service')]],
    },
    {
      what: '"Sales Connect" inside',
      change: { current: password, next: 'Sales-Connect-2024!', confirm: 'Sales-Connect-2024!' },
      errors: [['new_password', rules('not contain your name or the name of the service')]],
    },
  ];

  for (const { what, change, errors, account: accountOptions } of refusals) {
    it(`refuses ${what} with 422 and its message, keeps the typed name and shows no password`, async () => {
      const account = await newAccount(accountOptions);
      const page = await changePassword(account.browser, change, 'Ada Byron');
      expect(page.status).toBe(422);
      for (const [field, message] of errors) expect(fieldError(page, field)).toBe(message);
      expect(summary(page)).toEqual(errors.map(([, message]) => message));
      // The name typed beside it stays in the form (not saved), and the box stays ticked.
      expect(nameField(page)).toBe('Ada Byron');
      expect(page.text).toMatch(/id="change_password" name="change_password" value="on" checked/);
      expectNoPasswordIn(page, [password, change.current, change.next, change.confirm]);
      await expectNothingChanged(account, change.next === '' ? undefined : change.next);
    });
  }

  it('gives the messages in French, with a non-breaking space before ? : and !', async () => {
    const account = await newAccount({ locale: 'fr' });
    const page = await changePassword(account.browser, { current: password, next: 'Qz7!wxyv', confirm: 'Qz7!wxyvk' });
    expect(page.status).toBe(422);
    expect(page.text).toContain('lang="fr"');
    expect(fieldError(page, 'new_password')).toBe(
      'Le nouveau mot de passe ne respecte pas ces règles\u00a0: contenir au moins neuf caractères.',
    );
    expect(fieldError(page, 'confirm_password')).toBe('Les mots de passe ne correspondent pas.');
    const text = visibleText(page.text);
    expect(text).toContain('Veuillez corriger les points suivants\u00a0:');
    for (const label of [
      'Paramètres',
      'Mon profil',
      'Détails du compte',
      'Modifier le mot de passe',
      'Enregistrer',
      'Les mots de passe doivent\u00a0:',
    ]) {
      expect(text).toContain(label);
    }
    expect(text).not.toMatch(/(?<!\u00a0)[?:!]/);

    const wrong = await changePassword(account.browser, {
      current: 'Correct-Horse-43',
      next: 'Amber-Heron-27!',
      confirm: 'Amber-Heron-27!',
    });
    expect(fieldError(wrong, 'current_password')).toBe('Votre mot de passe actuel est incorrect.');
    await expectNothingChanged(account, 'Amber-Heron-27!');
  });

  it('throttles guesses at the current password with the sign-in counter: 429 and Retry-After (SECURITY 54)', async () => {
    const account = await newAccount();
    const next = 'Amber-Heron-27!';
    // throttles.ts: five free failures per account and client, then 1 s, 2 s, 4 s…
    for (let guess = 0; guess < 6; guess++) {
      const page = await changePassword(account.browser, {
        current: `Correct-Horse-${50 + guess}`,
        next,
        confirm: next,
      });
      expect(page.status).toBe(422);
      expect(fieldError(page, 'current_password')).toBe('Your current password is incorrect.');
    }
    // Now even the right current password waits, and says so without telling whether it was right.
    const throttled = await changePassword(account.browser, { current: password, next, confirm: next }, 'Ada Byron');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    expect(summary(throttled)).toEqual([
      'Too many incorrect attempts at your current password. Try again in 1 second.',
    ]);
    expect(nameField(throttled)).toBe('Ada Byron');
    expectNoPasswordIn(throttled, [password, next]);
    // The same counter guards the log-in page: the right password is refused there too, for now.
    const login = await new TestBrowser(service.url).signIn(account.email, password);
    expect(login.status).toBe(429);
    expect(login.headers.get('retry-after')).toBe('1');
    expect(await findUserById(service.deps.db, account.user.id)).toEqual(account.user);
    expect((await account.otherDevice.get('/settings/profile')).status).toBe(200);

    // A delay, not a lockout (SECURITY 21): a second later the owner changes the password.
    service.clock.advance(1000);
    expect((await changePassword(account.browser, { current: password, next, confirm: next })).status).toBe(303);
    expect(await signsIn(account.email, next)).toBe(303);
  });

  it('counts failed sign-ins against the current-password check as well (SECURITY 54)', async () => {
    const account = await newAccount();
    for (let guess = 0; guess < 6; guess++)
      expect(await signsIn(account.email, `Correct-Horse-${60 + guess}`)).toBe(401);
    const next = 'Amber-Heron-27!';
    const page = await changePassword(account.browser, { current: password, next, confirm: next });
    expect(page.status).toBe(429);
    expect(page.headers.get('retry-after')).toBe('1');
    expect(await findUserById(service.deps.db, account.user.id)).toEqual(account.user);
  });

  it('refuses a signed-out visitor who posts the form, and changes nothing', async () => {
    const account = await newAccount();
    const visitor = new TestBrowser(service.url);
    await visitor.get('/login');
    const page = await visitor.post('/settings/profile', {
      name: 'Mallory',
      locale: 'en',
      change_password: 'on',
      current_password: password,
      new_password: 'Amber-Heron-27!',
      confirm_password: 'Amber-Heron-27!',
    });
    expect(page.status).toBe(303);
    expect(page.location).toBe('/login');
    await expectNothingChanged(account, 'Amber-Heron-27!');
  });
});

describe('Change password: success', () => {
  it('keeps this browser signed in under a new session id, ends the other session, and swaps the passwords (SECURITY 56)', async () => {
    const account = await newAccount();
    const before = account.browser.cookies.get('session')!;
    // Typed in fullwidth letters (an IME, a phone keyboard): NFKC makes it "Cobalt-Fox-77!" (SECURITY 5).
    const typed = 'Ｃｏｂａｌｔ－Ｆｏｘ－７７！';
    const answer = await changePassword(account.browser, { current: password, next: typed, confirm: typed });
    expect(answer.status).toBe(303);
    expect(answer.location).toBe('/settings/profile?notice=password-changed');
    expect(answer.headers.getSetCookie().some((line) => line.startsWith('session='))).toBe(true);
    const after = account.browser.cookies.get('session')!;
    expect(after).not.toBe(before);

    const page = await account.browser.get(answer.location!);
    expect(page.status).toBe(200);
    expect(visibleText(page.text)).toContain(
      'Your password has been changed. Any other sessions have been signed out.',
    );
    expectNoPasswordIn(page, [password, typed, 'Cobalt-Fox-77!']);

    // The old cookie value is dead, wherever a copy of it is; the other device is signed out.
    const oldCookie = new TestBrowser(service.url);
    oldCookie.cookies.set('session', before);
    expect((await oldCookie.get('/settings/profile')).location).toBe('/login');
    const other = await account.otherDevice.get('/settings/profile');
    expect(other.status).toBe(303);
    expect(other.location).toBe('/login');
    expect(await countSessionsOfUser(service.deps.db, account.user.id)).toBe(1);

    expect(await signsIn(account.email, password)).toBe(401);
    expect(await signsIn(account.email, 'Cobalt-Fox-77!')).toBe(303);
    expect(await signsIn(account.email, typed)).toBe(303);
  });

  it('accepts every character, long passphrases and the maximum length, and checks them exactly as typed (SECURITY 3, 4, 6)', async () => {
    const account = await newAccount();
    const steps = [
      // Accented capitals, an Arabic-Indic digit: the classes follow Unicode.
      'Ünïcödé-Çafé-٣',
      `Aa1!${'x'.repeat(252)}`,
      'Correct horse, battery staple: seventy-one characters make 1 long phrase!',
      '  Tidal Moon 88  ',
    ];
    let current = password;
    for (const next of steps) {
      const answer = await changePassword(account.browser, { current, next, confirm: next });
      expect(answer.status, next).toBe(303);
      current = next;
    }
    expect(await signsIn(account.email, '  Tidal Moon 88  ')).toBe(303);
    // No trimming, no case folding.
    expect(await signsIn(account.email, 'Tidal Moon 88')).toBe(401);
    expect(await signsIn(account.email, '  tidal moon 88  ')).toBe(401);
  });

  it('never makes anyone rotate: a password set under older rules and a year old still works (SECURITY 11, 12)', async () => {
    const account = await newAccount();
    // A password today's rules refuse, as an older version of the product might have stored it.
    const old = 'sunshine';
    await setPasswordHash(service.deps.db, account.user.id, await service.deps.hasher.hash(old), service.clock.now());
    service.clock.advance(400 * DAY);
    const browser = new TestBrowser(service.url);
    expect((await browser.signIn(account.email, old)).status).toBe(303);
    const page = await browser.get('/settings/profile');
    expect(page.status).toBe(200);
    expect(visibleText(page.text)).not.toMatch(/expire|security question|hint|must change/i);
    // Saving the profile does not touch the password, nor ask for a new one.
    expect((await save(browser, { name: 'Ada King' })).status).toBe(303);
    expect(await signsIn(account.email, old)).toBe(303);
    // Only a new password meets the rules.
    const weak = await changePassword(browser, { current: old, next: 'sunshine2', confirm: 'sunshine2' });
    expect(weak.status).toBe(422);
    expect(fieldError(weak, 'new_password')).toMatch(/^The new password does not meet these rules: /);
  });

  it('changes only the account of the session, whatever else the form carries (SECURITY 57)', async () => {
    const victim = await newAccount();
    const attacker = await newAccount();
    const next = 'Amber-Heron-27!';
    const page = await save(attacker.browser, {
      change_password: 'on',
      current_password: password,
      new_password: next,
      confirm_password: next,
      email: victim.email,
      user_id: victim.user.id,
      id: victim.user.id,
    });
    expect(page.status).toBe(303);
    expect(await findUserById(service.deps.db, victim.user.id)).toEqual(victim.user);
    expect((await victim.otherDevice.get('/settings/profile')).status).toBe(200);
    expect(await signsIn(victim.email, next)).toBe(401);
    expect(await signsIn(attacker.email, next)).toBe(303);
  });
});
