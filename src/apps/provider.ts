// The OpenID Connect provider: oidc-provider configured as the issue and SECURITY 70–80 and 84 say, over our
// storage (adapter.ts), our keys (keys.ts) and our accounts. The pages it shows (errors, the logout
// confirmation) are the web layer's, passed in as `pages`.
import { timingSafeEqual } from 'node:crypto';
import type { KoaContextWithOIDC } from 'oidc-provider';
import Provider, { type Configuration, type errors, interactionPolicy } from 'oidc-provider';
import { HOUR, MINUTE, SECOND } from '../core/duration.ts';
import { SIGNED_LIFETIME_MS } from '../core/key-generations.ts';
import { digest } from '../core/tokens.ts';
import { TemporarilyUnavailable } from '../core/unavailable.ts';
import type { Deps } from '../deps.ts';
import type { LogoutNotice } from '../flows/app-access.ts';
import { liveGrants } from '../store/oidc-payloads.ts';
import { enqueueEmail } from '../store/outbox.ts';
import { findUserById } from '../store/users.ts';
import { databaseAdapter } from './adapter.ts';
import {
  allowFormTargets,
  answerFailures,
  endServiceSessionOnLogout,
  serviceAccountOf,
  throttleAppRequests,
} from './guards.ts';
import { isFirstParty } from './interactions.ts';
import type { ProviderKeys } from './keys.ts';

/** Where the provider's endpoints live; discovery stays at /.well-known/openid-configuration. */
export const PROVIDER_PREFIX = '/oidc';

/** How long each thing the provider issues lives, in seconds (README "Connect your app"). */
export const lifetimes = {
  AuthorizationCode: 60,
  AccessToken: (10 * MINUTE) / SECOND,
  IdToken: SIGNED_LIFETIME_MS / SECOND,
  RefreshToken: (14 * 24 * HOUR) / SECOND,
  Grant: (30 * 24 * HOUR) / SECOND,
  Interaction: (30 * MINUTE) / SECOND,
} as const;

export interface ProviderPages {
  error(ctx: KoaContextWithOIDC, error: { error: string; error_description?: string }, cause: Error): Promise<void>;
  logoutConfirmation(ctx: KoaContextWithOIDC, form: string): Promise<void>;
  loggedOut(ctx: KoaContextWithOIDC): Promise<void>;
}

export interface ProviderOptions {
  keys: ProviderKeys;
  pages: ProviderPages;
  /** The name of our session cookie: the provider's session holds only while ours is the same account's. */
  sessionCookie: string;
  /** The names of the provider's own cookies. */
  cookieNames: { session: string; interaction: string; resume: string };
}

function loginPolicy(deps: Deps, sessionCookie: string) {
  const { Check, base } = interactionPolicy;
  const policy = base();
  // Signed out here, or signed in as someone else: the provider's session no longer speaks for anyone.
  policy.get('login')!.checks.add(
    new Check('service_session', 'End-User is not signed in to the service', async (ctx) => {
      const account = await serviceAccountOf(deps, ctx, sessionCookie);
      return account === undefined || account !== ctx.oidc.session?.accountId
        ? Check.REQUEST_PROMPT
        : Check.NO_NEED_TO_PROMPT;
    }),
  );
  return policy;
}

export function createProvider(deps: Deps, options: ProviderOptions): Provider {
  const { config } = deps;
  const configuration: Configuration = {
    adapter: databaseAdapter(deps, options.sessionCookie),
    jwks: { keys: options.keys.signing.map((key) => key.jwk) } as Configuration['jwks'],
    cookies: {
      keys: options.keys.cookie,
      names: options.cookieNames,
      long: { httpOnly: true, sameSite: 'lax', secure: config.secureCookies },
      short: { httpOnly: true, sameSite: 'lax', secure: config.secureCookies },
    },
    async findAccount(_ctx, sub) {
      const user = await findUserById(deps.db, sub);
      if (!user || user.disabled_at !== null) return undefined;
      return {
        accountId: user.id,
        async claims() {
          return {
            sub: user.id,
            name: user.name,
            locale: user.locale,
            email: user.email,
            email_verified: user.email_verified_at !== null,
          };
        },
      };
    },
    claims: {
      openid: ['sub', 'auth_time', 'amr'],
      profile: ['name', 'locale'],
      email: ['email', 'email_verified'],
    },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    responseTypes: ['code'],
    // SECURITY 70: PKCE with S256 for every client, confidential ones too (RFC 9700 §2.1.1).
    pkce: { required: () => true },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: 'ES256',
    },
    extraClientMetadata: { properties: ['first_party'] },
    enabledJWA: {
      idTokenSigningAlgValues: ['ES256'],
      userinfoSigningAlgValues: ['ES256'],
      introspectionSigningAlgValues: ['ES256'],
      authorizationSigningAlgValues: ['ES256'],
    },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    routes: {
      authorization: `${PROVIDER_PREFIX}/auth`,
      token: `${PROVIDER_PREFIX}/token`,
      userinfo: `${PROVIDER_PREFIX}/me`,
      jwks: `${PROVIDER_PREFIX}/jwks`,
      revocation: `${PROVIDER_PREFIX}/token/revocation`,
      introspection: `${PROVIDER_PREFIX}/token/introspection`,
      end_session: `${PROVIDER_PREFIX}/session/end`,
    },
    ttl: {
      ...lifetimes,
      Session: Math.floor(config.sessionAbsoluteTimeoutMs / SECOND),
    },
    // SECURITY 74: a refresh token is used once; using it again ends the grant (RFC 9700 §4.14.2).
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    conformIdTokenClaims: true,
    allowOmittingSingleRegisteredRedirectUri: false,
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: loginPolicy(deps, options.sessionCookie),
    },
    // The grant of the provider's session; or, in a new one, the consent the user gave this app before
    // (Settings → Security → Connected apps lists it until revoked); first-party apps never ask.
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      const clientId = oidc.client!.clientId;
      const accountId = oidc.session!.accountId!;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(clientId);
      const current = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      if (current) return current;
      const firstParty = isFirstParty(oidc.client);
      const remembered = firstParty ? undefined : await rememberedScope(deps, accountId, clientId);
      if (!firstParty && !remembered) return undefined;
      const grant = new oidc.provider.Grant({ accountId, clientId });
      grant.addOIDCScope(firstParty ? [...(oidc.requestParamScopes ?? ['openid'])].join(' ') : remembered!);
      if (firstParty) grant.addOIDCClaims([...(oidc.requestParamClaims ?? [])]);
      await grant.save();
      return grant;
    },
    features: {
      devInteractions: { enabled: false },
      // No dynamic registration: clients are the administrator's (clients.ts).
      registration: { enabled: false },
      revocation: {
        enabled: true,
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      introspection: {
        enabled: true,
        // A public client cannot prove who it is: it may only introspect its own tokens, as may any other.
        allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => options.pages.logoutConfirmation(ctx, form),
        postLogoutSuccessSource: (ctx) => options.pages.loggedOut(ctx),
      },
      resourceIndicators: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      claimsParameter: { enabled: false },
    },
    renderError: (ctx, out, error) => options.pages.error(ctx, out, error),
  };
  const provider = new Provider(config.publicUrl.origin, configuration);
  provider.proxy = true;
  provider.use(answerFailures(deps));
  provider.use(throttleAppRequests(deps));
  provider.use(allowFormTargets);
  provider.use(
    endServiceSessionOnLogout(deps, options.sessionCookie, {
      secure: config.secureCookies,
      domain: config.cookieDomain,
    }),
  );
  patchClientSecretComparison(provider);
  queueBackchannelLogouts(deps, provider);
  logEvents(deps, provider);
  return provider;
}

/** The stored secret is a digest (SECURITY 76): the secret sent, compared in constant time is digested before the comparison. */
/** The scopes of the account's latest live grant to this client, if it has one. */
async function rememberedScope(deps: Deps, accountId: string, clientId: string): Promise<string | undefined> {
  const grants = await liveGrants(deps.db, { accountId, client: clientId }, deps.clock.now());
  const latest = grants.at(-1);
  return latest && (JSON.parse(latest.payload) as { openid?: { scope?: string } }).openid?.scope;
}

function patchClientSecretComparison(provider: Provider): void {
  const prototype = provider.Client.prototype as unknown as {
    clientSecret: string;
    compareClientSecret(actual: string): Promise<boolean>;
  };
  prototype.compareClientSecret = async function compare(actual: string) {
    const expected = Buffer.from(this.clientSecret, 'hex');
    const given = Buffer.from(digest(actual), 'hex');
    return expected.length === given.length && timingSafeEqual(expected, given);
  };
}

/**
 * RP-initiated logout owes the other apps of the session a back-channel logout: queued in the outbox like
 * those of our own security events (backchannel.ts), so it is retried, rather than tried once by the provider.
 */
function queueBackchannelLogouts(deps: Deps, provider: Provider): void {
  const prototype = provider.Client.prototype as unknown as {
    clientId: string;
    backchannelLogout(sub: string, sid: string): Promise<void>;
  };
  prototype.backchannelLogout = async function queue(sub: string, sid: string) {
    const notice: LogoutNotice = { clientId: this.clientId, sid };
    await enqueueEmail(deps.db, 'backchannel-logout', sub, notice, deps.clock.now());
    deps.wakeOutbox();
  };
}

function logEvents(deps: Deps, provider: Provider): void {
  provider.on('server_error', (ctx: KoaContextWithOIDC, error: Error) => {
    if (error instanceof TemporarilyUnavailable) {
      ctx.set('retry-after', String(error.retryAfterSeconds));
      return;
    }
    deps.log.error({ err: error, route: ctx.oidc?.route }, 'the OpenID Connect provider failed a request');
  });
  const refusals = [
    'grant.error',
    'authorization.error',
    'end_session.error',
    'revocation.error',
    'introspection.error',
    'userinfo.error',
  ] as const;
  for (const event of refusals) {
    // Each event has an overload of its own; they all pass the same arguments.
    provider.on(event as 'grant.error', (ctx: KoaContextWithOIDC, error: errors.OIDCProviderError) => {
      deps.log.info({
        event: 'app-refused',
        route: ctx.oidc?.route,
        error: error.error,
        detail: error.error_detail,
        clientId: ctx.oidc?.client?.clientId,
      });
    });
  }
}
