// The answers of what went wrong, as errors.ts gives them: a 4xx page in the user's language for every
// malformed request, with nothing changed; the app's frame for a signed-in user; a generic 500 with a
// reference; no TRACE and no source files. SECURITY 65–67, 69.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Page, TestBrowser, visibleText } from '../../test/support/browser.ts';
import { startService, type TestService } from '../../test/support/service.ts';
import {
  expectNothingChanged,
  expectSecurityHeaders,
  hostileSave,
  lead,
  newAccount,
  otherPassword,
  rawRequest,
} from '../../test/support/web.ts';
import { buildApp } from './app.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;
let service: TestService;

beforeAll(async () => {
  service = await startService();
});
afterAll(() => service.close());

// Every request of this file comes from 127.0.0.1, and wrong passwords count against that client for a day
// (throttles.ts). Each test starts a day later, so no test inherits the failures of another.
beforeEach(() => service.clock.advance(DAY));

describe('malformed requests (SECURITY 65–67)', () => {
  it('each get a 4xx page in the user’s language, never a 500, and change nothing', async () => {
    const account = await newAccount(service, { locale: 'fr' });
    const french = new TestBrowser(service.url, { 'accept-language': 'fr-FR,fr;q=0.9' });
    for (const [name, value] of account.browser.cookies) french.cookies.set(name, value);
    await french.get('/settings/profile');

    const form = (fields: Record<string, string | string[]>) => {
      const body = new URLSearchParams({ _csrf: french.csrf! });
      for (const [name, value] of Object.entries(fields)) for (const one of [value].flat()) body.append(name, one);
      return body.toString();
    };
    // Bytes as a client may send them, not as a browser would: raw, outside any %-escape.
    const withRawBytes = (bytes: number[]) => {
      const [before, after] = form({ ...hostileSave, name: 'x' }).split('name=x');
      return new Blob([`${before}name=Eve`, new Uint8Array(bytes), after!]);
    };
    const post = (body: string | Blob, type = 'application/x-www-form-urlencoded') =>
      french.request('/settings/profile', {
        method: 'POST',
        body,
        headers: { 'content-type': type, origin: service.url },
      });
    const understood = 'La requête n’a pas pu être comprise. Revenez en arrière et réessayez.';

    const cases: Array<[string, () => Promise<Page>, number, string]> = [
      [
        'a broken %-escape',
        () => post(form({ ...hostileSave, name: 'x' }).replace('name=x', 'name=Mallory%ZZ')),
        400,
        understood,
      ],
      [
        'escapes that are not UTF-8',
        () => post(form({ ...hostileSave, name: 'x' }).replace('name=x', 'name=%FF%FE')),
        400,
        understood,
      ],
      [
        'a truncated escape',
        () => post(form({ ...hostileSave, name: 'x' }).replace('name=x', 'name=%E2%82')),
        400,
        understood,
      ],
      [
        'an escaped UTF-16 surrogate',
        () => post(form({ ...hostileSave, name: 'x' }).replace('name=x', 'name=%ED%A0%80')),
        400,
        understood,
      ],
      ['a raw byte that is not UTF-8', () => post(withRawBytes([0xff])), 400, understood],
      ['a raw overlong encoding', () => post(withRawBytes([0xc0, 0xaf])), 400, understood],
      ['a raw truncated sequence', () => post(withRawBytes([0xe2, 0x82])), 400, understood],
      ['a raw UTF-16 surrogate', () => post(withRawBytes([0xed, 0xa0, 0x80])), 400, understood],
      [
        'JSON',
        () => post(JSON.stringify({ _csrf: french.csrf, ...hostileSave }), 'application/json'),
        415,
        'Ce type de contenu n’est pas accepté ici.',
      ],
      ['plain text', () => post(form(hostileSave), 'text/plain'), 415, 'Ce type de contenu n’est pas accepté ici.'],
      [
        'more than 16 KiB',
        () => post(form({ ...hostileSave, filler: 'x'.repeat(17 * 1024) })),
        413,
        'Ce que vous avez envoyé est trop volumineux.',
      ],
      ['the name twice', () => post(form({ ...hostileSave, name: ['Mallory', 'Ada Lovelace'] })), 400, understood],
      [
        'the new password twice',
        () => post(form({ ...hostileSave, new_password: [otherPassword, 'x'] })),
        400,
        understood,
      ],
      ['the checkbox twice', () => post(form({ ...hostileSave, change_password: ['on', 'on'] })), 400, understood],
      ['the language twice', () => post(form({ ...hostileSave, locale: ['fr', 'en'] })), 400, understood],
      ['no name', () => post(form({ locale: 'fr' })), 400, understood],
      ['a name far too long', () => post(form({ ...hostileSave, name: 'M'.repeat(5000) })), 400, understood],
    ];
    for (const [what, send, status, message] of cases) {
      const page = await send();
      expect(page.status, what).toBe(status);
      expect(page.headers.get('content-type'), what).toBe('text/html; charset=utf-8');
      expect(page.text, what).toContain('lang="fr"');
      expect(lead(page), what).toBe(message);
      expect(visibleText(page.text), what).not.toMatch(/Error|FST_|stack|node_modules|\.ts:\d+/);
      expectSecurityHeaders(page, what);
    }
    await expectNothingChanged(service, account);
  });

  it('leave even the session as it was: a refused request does not count as its use', async () => {
    const account = await newAccount(service, { locale: 'fr' });
    await account.browser.get('/settings/profile');
    const sessions = () => service.deps.db.selectFrom('sessions').selectAll().orderBy('id_hash').execute();
    // Long enough since the last use that any use would be recorded.
    service.clock.advance(10 * MINUTE);
    const before = await sessions();
    for (const refusal of [
      await account.browser.post('/settings/profile', hostileSave, { csrf: null }),
      await account.browser.post('/settings/profile', { ...hostileSave, name: ['Mallory', 'Eve'] }),
      await account.browser.get('/no-such-page'),
    ]) {
      expect([403, 400, 404]).toContain(refusal.status);
      expect(refusal.text).toContain('lang="fr"');
    }
    expect(await sessions()).toEqual(before);
  });

  it('show a signed-in user the app’s frame and its gear menu, and anyone else the signed-out one', async () => {
    const gear = /<details class="gear-menu"/;
    const account = await newAccount(service);
    for (const page of [
      await account.browser.get('/no-such-page'),
      await account.browser.post('/settings/profile', hostileSave, { csrf: null }),
    ]) {
      expect(page.text).toMatch(gear);
      expect(visibleText(page.text)).toContain(account.email);
    }
    const visitor = new TestBrowser(service.url);
    const signedOut = await visitor.get('/no-such-page');
    expect(signedOut.status).toBe(404);
    expect(signedOut.text).not.toMatch(gear);
  });

  it('speak the signed-in user’s profile language, whatever the browser asks for', async () => {
    const account = await newAccount(service, { locale: 'fr' });
    const english = new TestBrowser(service.url, { 'accept-language': 'en-GB,en;q=0.9' });
    english.cookies.set('session', account.browser.cookies.get('session')!);
    await english.get('/settings/profile');
    const pages: Array<[string, Page, string]> = [
      ['404', await english.get('/no-such-page'), 'Cette page n’existe pas.'],
      [
        '403',
        await english.post('/settings/profile', hostileSave, { csrf: null }),
        'Ce formulaire a expiré ou a été envoyé depuis un autre site. Revenez en arrière, rechargez la page et réessayez.',
      ],
      [
        '400',
        await english.post('/settings/profile', { ...hostileSave, name: ['Mallory', 'Eve'] }),
        'La requête n’a pas pu être comprise. Revenez en arrière et réessayez.',
      ],
    ];
    for (const [what, page, message] of pages) {
      expect(page.text, what).toContain('lang="fr"');
      expect(lead(page), what).toBe(message);
    }
    // Signed out, the browser's language decides.
    expect(lead(await new TestBrowser(service.url, { 'accept-language': 'en' }).get('/no-such-page'))).toBe(
      'This page does not exist.',
    );
    await expectNothingChanged(service, account);
  });

  it('do not answer TRACE, nor serve source-control, environment or debug files', async () => {
    expect((await rawRequest(service, 'TRACE', '/login')).status).not.toBe(200);
    expect((await rawRequest(service, 'TRACK', '/login')).status).not.toBe(200);
    const visitor = new TestBrowser(service.url);
    for (const path of [
      '/.git/config',
      '/.git/HEAD',
      '/.env',
      '/assets/.env',
      '/assets/app.js.map',
      '/assets/%2e%2e/package.json',
      '/assets/..%2f..%2fpackage.json',
      '/package.json',
      '/src/config.ts',
      '/dist/main.js',
      '/data/app.db',
      '/debug',
      '/documentation',
    ]) {
      const page = await visitor.get(path);
      expect([403, 404], path).toContain(page.status);
      expect(page.text, path).not.toMatch(/\[core\]|DATABASE_URL|"dependencies"|SQLite format/);
      expectSecurityHeaders(page, path);
    }
  });

  it('end, when something breaks, in a generic page with a reference, the details only in the log (SECURITY 66)', async () => {
    const app = await buildApp(service.deps);
    app.get('/breaks', async () => {
      throw new Error('the disk is on fire at /srv/accounts/store/users.ts:42');
    });
    try {
      const reply = await app.inject({ method: 'GET', url: '/breaks', headers: { 'accept-language': 'fr' } });
      expect(reply.statusCode).toBe(500);
      expect(reply.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(reply.headers['cache-control']).toBe('no-store');
      const text = visibleText(reply.body);
      expect(text).toContain('Une erreur inattendue est survenue. Elle a été enregistrée\u00a0; veuillez réessayer.');
      const reference = /Référence\u00a0: ([0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12})/.exec(
        text,
      )?.[1];
      expect(reference).toBeDefined();
      expect(reply.body).not.toMatch(/fire|\/srv|users\.ts|Error/);
      const logged = service.logs.map(
        (line) => JSON.parse(line) as { level: number; reqId?: string; err?: { message: string } },
      );
      expect(logged.find((line) => line.reqId === reference && line.level >= 50)?.err?.message).toContain(
        'the disk is on fire',
      );
    } finally {
      await app.close();
    }
  });
});
