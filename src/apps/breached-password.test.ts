// An app's sign-in with a password found breached (SECURITY 7): the app hears of the sign-in only after its
// user has chosen a new password, and then at once, without being asked for it again.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authorizationRequest, follow, newUser, redeem, registerApp } from '../../test/support/apps.ts';
import { TestBrowser } from '../../test/support/browser.ts';
import { startService, type TestService } from '../../test/support/service.ts';
import { insertBreachedHashes } from '../store/breached-hashes.ts';

let service: TestService;
beforeEach(async () => {
  service = await startService({}, { clockStart: Date.now() });
});
afterEach(() => service.close());

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex').toUpperCase();

/** The password, chosen long ago, appears in a list imported since: the next sign-in looks it up. */
async function breachedSinceChosen(user: { id: string }, password: string) {
  await insertBreachedHashes(service.deps.db, [{ sha1: sha1(password), count: 42 }]);
  await service.deps.db.updateTable('users').set({ breach_checked_at: null }).where('id', '=', user.id).execute();
  // A list imported by another process is seen within a minute.
  service.clock.advance(61_000);
}

describe('signing in to an app with a breached password', () => {
  it('goes through Choose a new password first, then back to the app with the code', async () => {
    const app = await registerApp(service);
    const ada = await newUser(service);
    await breachedSinceChosen(ada.user, ada.password);
    const browser = new TestBrowser(service.url);
    const request = await authorizationRequest(app);
    const login = await follow(browser, request.url);
    const action = /<form method="post" action="([^"]+)" class="stack"/.exec(login.text)![1]!;
    const signedIn = await browser.post(action, { email: ada.email, password: ada.password });
    expect(signedIn.status).toBe(303);
    const uid = /^\/interaction\/([^/]+)\/login$/.exec(action)![1]!;
    expect(signedIn.location).toBe(`/settings/new-password?next=${encodeURIComponent(`/interaction/${uid}`)}`);

    const renewal = await browser.get(signedIn.location!);
    expect(renewal.status).toBe(200);
    expect(renewal.text).toContain('Choose a new password');
    // The form keeps where to go back to; nowhere else is accepted.
    expect(renewal.text).toContain(`action="/settings/new-password?next=%2Finteraction%2F${uid}"`);
    const renewed = await browser.post(`/settings/new-password?next=%2Finteraction%2F${uid}`, {
      new_password: 'Amber-Heron-27!',
      confirm_password: 'Amber-Heron-27!',
    });
    expect(renewed.status).toBe(303);
    expect(renewed.location).toBe(`/interaction/${uid}`);
    const back = await follow(browser, renewed.location!);
    expect(back.location).toMatch(/^http:\/\/127\.0\.0\.1:9\/callback\?/);
    const tokens = await redeem(app, { request, callback: new URL(back.location!) });
    expect(tokens.claims()!.sub).toBe(ada.user.id);
  });

  it('sends nobody anywhere but an app sign-in of ours after the new password', async () => {
    const ada = await newUser(service);
    await breachedSinceChosen(ada.user, ada.password);
    const browser = new TestBrowser(service.url);
    await browser.signIn(ada.email, ada.password);
    const elsewhere = ['https://evil.example/', '//evil.example', '/interaction/../settings', '/settings/profile'];
    for (const next of elsewhere) {
      const page = await browser.get(`/settings/new-password?next=${encodeURIComponent(next)}`);
      expect(page.text, next).toContain('action="/settings/new-password"');
    }
    const renewed = await browser.post(`/settings/new-password?next=${encodeURIComponent('https://evil.example/')}`, {
      new_password: 'Amber-Heron-27!',
      confirm_password: 'Amber-Heron-27!',
    });
    expect(renewed.location).toBe('/settings/profile?notice=password-changed');
  });
});
