// oidc-provider's storage, on our Kysely layer: one row per model and id in oidc_payloads, and the clients
// from oauth_clients. SECURITY 84: what a row is looked up by is the SHA-256 of the provider's id (for codes,
// tokens and sessions, the credential itself), and the payload is kept without it, so a copy of the table
// redeems nothing.
import type { Adapter, AdapterPayload, ClientMetadata } from 'oidc-provider';
import Provider, { errors } from 'oidc-provider';
import { digest } from '../core/tokens.ts';
import type { Deps } from '../deps.ts';
import { findClient } from '../store/oauth-clients.ts';
import {
  consumePayload,
  deleteGrants,
  deletePayload,
  findPayload,
  type PayloadRow,
  upsertPayload,
} from '../store/oidc-payloads.ts';
import { clientMetadata } from './clients.ts';

type Store = Pick<Deps, 'db' | 'clock'>;

/** Where an interaction's stored way back had its own id (braces never appear unescaped in a URL). */
const OWN_ID = '{id}';

function payloadOf(row: PayloadRow, id: string | undefined): AdapterPayload {
  const payload = JSON.parse(row.payload) as AdapterPayload;
  if (id !== undefined) payload.jti = id;
  if (id !== undefined && typeof payload.returnTo === 'string')
    payload.returnTo = payload.returnTo.replaceAll(OWN_ID, id);
  if (row.consumed_at !== null) payload.consumed = Math.floor(row.consumed_at / 1000);
  return payload;
}

const issuedFromGrant = new Set(['AuthorizationCode', 'AccessToken', 'RefreshToken']);

/** The digest of our session cookie in the request being served, if it comes from a browser that has one. */
function currentSessionHash(sessionCookie: string): string | null {
  const token = Provider.ctx?.cookies.get(sessionCookie, { signed: false });
  return token ? digest(token) : null;
}

/** The adapter class oidc-provider instantiates once per model. */
export function databaseAdapter(store: Store, sessionCookie: string): new (model: string) => Adapter {
  const { db, clock } = store;
  return class DatabaseAdapter implements Adapter {
    readonly model: string;

    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      const { jti: _jti, consumed: _consumed, ...kept } = payload;
      // An interaction keeps the provider's session cookie value, and its way back holds its own id (the
      // browser's resume cookie): neither is stored, the second is put back from the id on reading.
      if (this.model === 'Interaction') {
        if (kept.session && typeof kept.session === 'object') delete (kept.session as { cookie?: string }).cookie;
        if (typeof kept.returnTo === 'string') kept.returnTo = kept.returnTo.replaceAll(id, OWN_ID);
      }
      await upsertPayload(db, {
        model: this.model,
        id: digest(id),
        payload: JSON.stringify(kept),
        // A grant is its own grant, so that ending one deletes it with all that was issued from it; an
        // interaction is not issued from a grant, and must outlive the end of the one it replaces.
        grant_id: this.model === 'Grant' ? id : issuedFromGrant.has(this.model) ? (payload.grantId ?? null) : null,
        client_id: payload.clientId ?? null,
        uid: payload.uid ? digest(payload.uid) : null,
        account_id: payload.accountId ?? null,
        session_hash: currentSessionHash(sessionCookie),
        expires_at: clock.now() + expiresIn * 1000,
        consumed_at: null,
      });
    }

    async find(id: string): Promise<AdapterPayload | ClientMetadata | undefined> {
      if (this.model === 'Client') {
        const client = await findClient(db, id);
        return client && clientMetadata(client);
      }
      const row = await findPayload(db, this.model, 'id', digest(id), clock.now());
      return row && payloadOf(row, id);
    }

    /** Only read by the provider (whose session an interaction or token belongs to), so without its id. */
    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const row = await findPayload(db, this.model, 'uid', digest(uid), clock.now());
      return row && payloadOf(row, undefined);
    }

    async findByUserCode(): Promise<undefined> {
      return undefined;
    }

    /** SECURITY 72, 74: of parallel redemptions of one code, on any instance, one wins; the others end the grant. */
    async consume(id: string): Promise<void> {
      if (await consumePayload(db, this.model, digest(id), clock.now())) return;
      const row = await findPayload(db, this.model, 'id', digest(id), clock.now());
      if (row?.grant_id) await deleteGrants(db, [row.grant_id]);
      throw new errors.InvalidGrant(
        `${this.model === 'RefreshToken' ? 'refresh token' : 'authorization code'} already consumed`,
      );
    }

    async destroy(id: string): Promise<void> {
      if (this.model === 'Grant') await deleteGrants(db, [id]);
      else await deletePayload(db, this.model, digest(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await deleteGrants(db, [grantId]);
    }
  };
}
