// The apps the administrator registers (npm run cli -- clients …). No dynamic registration: a client exists
// because someone with the database ran the CLI. SECURITY 71: redirect URIs are kept exactly and compared
// exactly by the provider; what cannot be a safe place to send a code is refused here.
import type { ClientMetadata } from 'oidc-provider';
import { isLoopbackHost } from '../core/hosts.ts';
import { digest, newId, newToken } from '../core/tokens.ts';
import type { Deps } from '../deps.ts';
import { checkName } from '../flows/account-details.ts';
import {
  type ClientRow,
  deleteClient,
  findClient,
  insertClient,
  listClients,
  setClientSecretHash,
} from '../store/oauth-clients.ts';
import { deletePayloadsOfClient } from '../store/oidc-payloads.ts';

export interface ClientInput {
  name: string;
  redirectUris: string[];
  postLogoutRedirectUris?: string[];
  backchannelLogoutUri?: string;
  /** A public client (a single-page or native app) has no secret; PKCE alone protects its codes. */
  public?: boolean;
  /** The company's own app: its users are not asked to consent. */
  firstParty?: boolean;
}

export type AddClientOutcome = { ok: true; clientId: string; clientSecret?: string } | { ok: false; problem: string };

/** Private-use schemes of native apps are reverse domain names (RFC 8252 §7.1): com.example.app:/callback. */
const reverseDomainScheme = /^[a-z][a-z0-9]*(\.[a-z0-9-]+)+:$/;

/** Why `text` cannot be a redirect (or logout) URI of an app, or undefined when it can. */
export function uriProblem(text: string, production: boolean, what = 'redirect URI'): string | undefined {
  // The URL parser drops tabs and line breaks, and a space would make `clients list` ambiguous: the URI kept
  // must be the one the app sends, character for character.
  if (/[\s\p{Cc}]/u.test(text))
    return `the ${what} "${JSON.stringify(text).slice(1, -1)}" contains a space or a control character`;
  let uri: URL;
  try {
    uri = new URL(text);
  } catch {
    return `the ${what} "${text}" is not an absolute URI`;
  }
  if (uri.hash !== '' || text.includes('#'))
    return `the ${what} "${text}" has a fragment, which a redirect URI may not have (RFC 6749 §3.1.2)`;
  if (uri.username !== '' || uri.password !== '') return `the ${what} "${text}" carries credentials`;
  if (uri.protocol === 'https:') return undefined;
  if (uri.protocol === 'http:') {
    if (isLoopbackHost(uri.hostname) || !production) return undefined;
    return `the ${what} "${text}" uses http outside a loopback address, which production refuses: use https`;
  }
  if (what === 'redirect URI' && reverseDomainScheme.test(uri.protocol)) return undefined;
  return `the ${what} "${text}" must use https (or http on a loopback address, or an app's reverse-domain scheme)`;
}

function problemOf(input: ClientInput, production: boolean): string | undefined {
  if (checkName(input.name)) return 'the name must be 1 to 100 characters on one line, without control characters';
  if (input.redirectUris.length === 0) return 'a client needs at least one --redirect-uri';
  for (const uri of input.redirectUris) {
    const problem = uriProblem(uri, production);
    if (problem) return problem;
  }
  for (const uri of input.postLogoutRedirectUris ?? []) {
    const problem = uriProblem(uri, production, 'post-logout redirect URI');
    if (problem) return problem;
  }
  if (input.backchannelLogoutUri !== undefined) {
    const problem = uriProblem(input.backchannelLogoutUri, production, 'back-channel logout URI');
    if (problem) return problem;
  }
  return undefined;
}

export async function addClient(deps: Deps, input: ClientInput): Promise<AddClientOutcome> {
  const problem = problemOf(input, deps.config.production);
  if (problem) return { ok: false, problem };
  // A UUID: never starts with a dash, which the CLI (and any shell tool) would take for an option.
  const clientId = newId();
  const clientSecret = input.public ? undefined : newToken();
  const now = deps.clock.now();
  await insertClient(deps.db, {
    client_id: clientId,
    name: input.name.trim(),
    secret_hash: clientSecret === undefined ? null : digest(clientSecret),
    redirect_uris: JSON.stringify([...new Set(input.redirectUris)]),
    post_logout_redirect_uris: JSON.stringify([...new Set(input.postLogoutRedirectUris ?? [])]),
    backchannel_logout_uri: input.backchannelLogoutUri ?? null,
    first_party: input.firstParty ? 1 : 0,
    created_at: now,
    secret_set_at: clientSecret === undefined ? null : now,
  });
  return { ok: true, clientId, clientSecret };
}

export interface RegisteredClient {
  clientId: string;
  name: string;
  public: boolean;
  firstParty: boolean;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  backchannelLogoutUri: string | null;
  createdAt: number;
}

export function describeClient(row: ClientRow): RegisteredClient {
  return {
    clientId: row.client_id,
    name: row.name,
    public: row.secret_hash === null,
    firstParty: row.first_party === 1,
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    postLogoutRedirectUris: JSON.parse(row.post_logout_redirect_uris) as string[],
    backchannelLogoutUri: row.backchannel_logout_uri,
    createdAt: row.created_at,
  };
}

export async function listRegisteredClients(deps: Deps): Promise<RegisteredClient[]> {
  return (await listClients(deps.db)).map(describeClient);
}

/**
 * Removes the client and everything issued to it: its users' grants, codes and tokens die with it. Returns
 * the name it had, or undefined when there was no such client.
 */
export async function removeClient(deps: Deps, clientId: string): Promise<string | undefined> {
  return deps.db.transaction().execute(async (tx) => {
    const client = await findClient(tx, clientId);
    if (!client || !(await deleteClient(tx, clientId))) return undefined;
    await deletePayloadsOfClient(tx, clientId);
    return client.name;
  });
}

export type RotateSecretOutcome = { ok: true; clientSecret: string } | { ok: false; reason: 'unknown' | 'public' };

/** A new secret; the old one stops working at once (the app is updated with the new one first). */
export async function rotateClientSecret(deps: Deps, clientId: string): Promise<RotateSecretOutcome> {
  const client = await findClient(deps.db, clientId);
  if (!client) return { ok: false, reason: 'unknown' };
  if (client.secret_hash === null) return { ok: false, reason: 'public' };
  const clientSecret = newToken();
  await setClientSecretHash(deps.db, clientId, digest(clientSecret), deps.clock.now());
  return { ok: true, clientSecret };
}

/** The row as oidc-provider reads a client. The secret is its digest; compareClientSecret digests the one sent. */
export function clientMetadata(row: ClientRow): ClientMetadata {
  const client = describeClient(row);
  const native = client.redirectUris.some((uri) => !/^https?:/.test(uri));
  return {
    client_id: client.clientId,
    client_name: client.name,
    ...(row.secret_hash === null
      ? { token_endpoint_auth_method: 'none' }
      : { client_secret: row.secret_hash, token_endpoint_auth_method: 'client_secret_basic' }),
    application_type: native ? 'native' : 'web',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    ...(client.backchannelLogoutUri
      ? { backchannel_logout_uri: client.backchannelLogoutUri, backchannel_logout_session_required: true }
      : {}),
    first_party: client.firstParty,
  };
}
