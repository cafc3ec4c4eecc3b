// What the sign-in and consent pages answer the provider (web/pages/interaction.ts shows them). Single
// sign-on: a user signed in here is not asked again, unless the app asked for a fresh sign-in (prompt=login,
// or max_age older than our session).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { SECOND } from '../core/duration.ts';
import type { SessionRow } from '../store/sessions.ts';

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface Interaction {
  uid: string;
  /** 'login' or 'consent'. */
  prompt: string;
  clientId: string;
  clientName: string;
  /** The company's own app: its users are not asked to consent, even when it asks for prompt=consent. */
  firstParty: boolean;
  /** The scopes and claims the app asks for that the user has not granted yet. */
  missingScopes: string[];
  /** What the app asked for in `ui_locales`, the first language we speak wins (web-context.ts). */
  uiLocales: string | undefined;
  details: Details;
}

/** The interaction of the browser's interaction cookie, or undefined when it expired or never was. */
export async function readInteraction(
  provider: Provider,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<Interaction | undefined> {
  let details: Details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (error) {
    if ((error as { name?: string }).name === 'SessionNotFound') return undefined;
    throw error;
  }
  const clientId = String(details.params.client_id);
  const client = await provider.Client.find(clientId);
  if (!client) return undefined;
  const missing = (details.prompt.details as { missingOIDCScope?: string[] }).missingOIDCScope ?? [];
  return {
    uid: details.uid,
    prompt: details.prompt.name,
    clientId,
    clientName: client.clientName ?? clientId,
    firstParty: isFirstParty(client),
    missingScopes: missing.filter((scope) => scope !== 'openid'),
    uiLocales: typeof details.params.ui_locales === 'string' ? details.params.ui_locales : undefined,
    details,
  };
}

export function isFirstParty(client: { metadata(): object } | undefined): boolean {
  return (client?.metadata() as { first_party?: boolean } | undefined)?.first_party === true;
}

/** Whether the app's request lets our current session answer it without a new sign-in. */
export function sessionAnswers(interaction: Interaction, session: SessionRow, now: number): boolean {
  const { reasons } = interaction.details.prompt;
  // The app asked for a fresh sign-in, or for another account than ours (its id_token_hint).
  if (reasons.includes('login_prompt') || reasons.includes('id_token_hint')) return false;
  const maxAge = interaction.details.params.max_age;
  if (maxAge !== undefined && now - session.created_at > Number(maxAge) * SECOND) return false;
  return true;
}

/**
 * The account signed in, when (our session's start: auth_time), and how: amr (RFC 8176), the session's
 * factors ('pwd', or 'pwd otp mfa' after the second step).
 */
export function loginResult(accountId: string, signedInAt: number, factors: string): InteractionResults {
  const amr = factors.split(' ');
  return { login: { accountId, ts: Math.floor(signedInAt / SECOND), amr, remember: true } };
}

/** Grants what the app asked for and the user accepted on the consent page. */
export async function grantConsent(provider: Provider, interaction: Interaction): Promise<InteractionResults> {
  const { details } = interaction;
  const accountId = details.session?.accountId;
  if (!accountId) throw new Error('consent without a signed-in account');
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: interaction.clientId });
  if (!grant) throw new Error('the grant of the interaction is gone');
  const prompt = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
  if (prompt.missingOIDCScope) grant.addOIDCScope(prompt.missingOIDCScope.join(' '));
  if (prompt.missingOIDCClaims) grant.addOIDCClaims(prompt.missingOIDCClaims);
  return { consent: { grantId: await grant.save() } };
}

/** The user said no: the app gets access_denied at its redirect URI (RFC 6749 §4.1.2.1). */
export const refusal: InteractionResults = {
  error: 'access_denied',
  error_description: 'The user refused to let the app in',
};
