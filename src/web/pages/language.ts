// POST /language: the EN | FR switch on every page. Remembered in a cookie, and in the profile of a
// signed-in user, whose profile language is what every page and email of theirs uses.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { isLocale } from '../../core/locale.ts';
import { changeLanguage } from '../../flows/account-details.ts';
import { currentSession } from '../auth.ts';
import { setLocaleCookie } from '../cookies.ts';
import { BadForm, csrfField, field, parseForm } from '../forms.ts';
import { redirect } from '../render.ts';
import type { WebContext } from '../web-context.ts';

const languageBody = z.object({ ...csrfField, locale: field(16), next: field(2048) });

/**
 * SECURITY 25: only a path of ours, never "//elsewhere" or "/\\elsewhere", may follow the switch. Pages send
 * request.url, which browsers percent-encode, so printable ASCII is all a real form carries; anything else
 * (a control character, "€") cannot go into a Location header, and would end in a 500 after the language
 * had already been saved.
 */
export function localPath(next: string): string {
  return /^\/(?![/\\])[\x21-\x5b\x5d-\x7e]*$/.test(next) ? next : '/';
}

export function registerLanguageSwitch(app: FastifyInstance, web: WebContext): void {
  app.post('/language', { preHandler: web.protect }, async (request, reply) => {
    const body = parseForm(languageBody, request);
    if (!isLocale(body.locale)) throw new BadForm();
    setLocaleCookie(web.deps.config, reply, body.locale);
    const current = await currentSession(web, request);
    if (current.status === 'active') await changeLanguage(web.deps, current.signedIn, body.locale);
    return redirect(reply, localPath(body.next));
  });
}
