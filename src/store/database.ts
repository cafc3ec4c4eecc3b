// The tables, as Kysely sees them. Times are milliseconds since the epoch (bigint in PostgreSQL).
import type { Generated, Kysely, Transaction } from 'kysely';

export interface UsersTable {
  id: string;
  /** Normalised (core/email-address.ts); unique. */
  email: string;
  name: string;
  locale: string;
  /** When the language was chosen; null: not yet, it is taken from the first use (migration 0008). */
  locale_chosen_at: number | null;
  /** Argon2id PHC string; null for an invited user who has not chosen a password yet. */
  password_hash: string | null;
  disabled_at: number | null;
  /** When a link mailed to the address was first used (the OpenID Connect claim email_verified). */
  email_verified_at: number | null;
  created_at: number;
  updated_at: number;
  /** Since when the account has a second factor (migration 0011); null: none. */
  second_factor_at: number | null;
  /** When the password was last looked up in the breached-password lists at sign-in (migration 0013). */
  breach_checked_at: number | null;
  /** Since when the password is known breached: the session may only choose a new one. Null: not known. */
  password_breached_at: number | null;
}

/** A "This wasn't me" link of a security email (flows/lockdown.ts), as the SHA-256 of its token. */
export interface LockdownTokensTable {
  token_hash: string;
  user_id: string;
  /** The address it was mailed to. */
  sent_to: string;
  outbox_id: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** A password of a downloaded breach list (`breached import`), as the upper-case hex of its SHA-1. */
export interface BreachedHashesTable {
  sha1: string;
  count: number;
}

/** A password an account had before (PASSWORD_HISTORY): its Argon2id hash and when it was replaced. */
export interface PasswordHistoryTable {
  user_id: string;
  password_hash: string;
  replaced_at: number;
}

export interface SessionsTable {
  /** SHA-256 of the cookie value (SECURITY 59); the value itself is never stored. */
  id_hash: string;
  user_id: string;
  created_at: number;
  last_seen_at: number;
  client_address: string;
  user_agent: string;
  /** How the session was proven, as amr values (RFC 8176) separated by spaces: 'pwd', 'pwd otp mfa'. */
  factors: string;
  /** When a factor was last proven in it (sign-in or step-up); null: only the password, at created_at. */
  proven_at: number | null;
}

/** An authenticator app (factors/totp.ts): its key sealed with ENCRYPTION_KEY, bound to the account. */
export interface TotpFactorsTable {
  user_id: string;
  secret: string;
  last_step: number;
  created_at: number;
}

/** A recovery code, as its keyed digest (core/secret-box.ts); used_at set once it was spent. */
export interface RecoveryCodesTable {
  user_id: string;
  code_digest: string;
  created_at: number;
  used_at: number | null;
}

/** Between a right password and the second step (flows/two-step-sign-in.ts): it grants nothing else. */
export interface PendingSignInsTable {
  /** SHA-256 of the `second-step` cookie's value. */
  token_hash: string;
  user_id: string;
  stage: 'verify' | 'enrol';
  password_hash: string;
  /** 1: the browser had the account's known-device cookie (SECURITY 21). */
  known_device: number;
  client_address: string;
  user_agent: string;
  created_at: number;
  expires_at: number;
}

/** A passkey of an account (factors/passkeys.ts). */
export interface PasskeysTable {
  /** base64url, as WebAuthn names it. */
  credential_id: string;
  user_id: string;
  /** What its owner called it (Settings → Security). */
  name: string;
  /** The COSE public key, base64url. */
  public_key: string;
  counter: number;
  /** JSON array of transports ("internal", "hybrid", "usb"…). */
  transports: string;
  device_type: 'singleDevice' | 'multiDevice';
  backed_up: number;
  created_at: number;
  last_used_at: number | null;
}

/** A WebAuthn challenge answered already: the answer to it counts once (flows/passkeys.ts). */
export interface SpentChallengesTable {
  challenge_hash: string;
  expires_at: number;
}

export interface ThrottlesTable {
  key: string;
  failures: number;
  last_failure_at: number;
}

export interface ResetTokensTable {
  token_hash: string;
  user_id: string;
  /** SECURITY 44: a token opens one door only: a reset link never works as an invitation, nor the reverse. */
  purpose: 'reset' | 'invite';
  created_at: number;
  expires_at: number;
  used_at: number | null;
  /**
   * The email whose copies carry this link: an email sent again after a crash carries a new link, and the
   * links of all its copies work until one of them is used. Null for links from before migration 0007.
   */
  outbox_id: string | null;
  /** Where the user asked to go back to, once the new password is set and used (migration 0010). */
  return_to: string | null;
}

export interface OutboxTable {
  id: string;
  /** An email, or a back-channel logout an app is owed (apps/backchannel.ts). */
  kind:
    | 'reset-email'
    | 'invite-email'
    | 'password-changed'
    | 'security-notice'
    | 'new-device-sign-in'
    | 'backchannel-logout';
  /**
   * Null: a reset request for an unknown or disabled address, or one over its address's cap, queued like any
   * other and never sent (and, from before migration 0006, a row whose account was deleted behind its back).
   */
  user_id: string | null;
  /** JSON of the kind's data; never a secret. */
  data: string;
  created_at: number;
  attempts: Generated<number>;
  next_attempt_at: number;
  claimed_by: string | null;
  claimed_until: number | null;
  sent_at: number | null;
  abandoned_at: number | null;
  last_error: string | null;
}

/** A running outbox worker: its claims hold while it beats (mail/worker.ts). */
export interface OutboxWorkersTable {
  id: string;
  host: string;
  pid: number;
  started_at: number;
  heartbeat_at: number;
}

export type SecurityEventKind =
  | 'sign-in-succeeded'
  | 'sign-in-failed'
  | 'password-changed'
  | 'reset-requested'
  | 'reset-completed'
  | 'invitation-accepted'
  | 'sessions-revoked'
  | 'account-disabled'
  | 'account-enabled'
  | 'app-revoked'
  | 'two-step-enabled'
  | 'two-step-disabled'
  | 'two-step-reset'
  | 'second-step-failed'
  | 'recovery-code-used'
  | 'recovery-codes-renewed'
  | 'passkey-added'
  | 'passkey-removed'
  | 'password-breached'
  | 'account-locked-down'
  | 'new-device-sign-in';

export interface SecurityEventsTable {
  id: string;
  /** Null for an attempt on an address with no account, or a reset request over its address's cap. */
  user_id: string | null;
  kind: SecurityEventKind;
  at: number;
  client_address: string;
  user_agent: string;
}

export interface KnownDevicesTable {
  token_hash: string;
  user_id: string;
  created_at: number;
}

/** An app registered by the administrator (apps/clients.ts). */
export interface OauthClientsTable {
  client_id: string;
  name: string;
  /** SHA-256 of the client secret; null for a public client (PKCE only). */
  secret_hash: string | null;
  /** JSON arrays of exact URIs. */
  redirect_uris: string;
  post_logout_redirect_uris: string;
  backchannel_logout_uri: string | null;
  /** 1: the company's own app, which skips the consent page. */
  first_party: number;
  created_at: number;
  secret_set_at: number | null;
}

/** What oidc-provider keeps between requests, one row per model and id (apps/adapter.ts). */
export interface OidcPayloadsTable {
  model: string;
  id: string;
  /** The provider's JSON; codes and tokens are looked up by id, which is the token itself only hashed. */
  payload: string;
  grant_id: string | null;
  client_id: string | null;
  uid: string | null;
  account_id: string | null;
  /** SHA-256 of our session cookie when the row was made from a browser (apps/adapter.ts). */
  session_hash: string | null;
  expires_at: number;
  consumed_at: number | null;
}

export interface ProviderKeysTable {
  kid: string;
  use: 'signing' | 'cookie';
  generation: number;
  secret: string;
  created_at: number;
}

export interface Database {
  users: UsersTable;
  lockdown_tokens: LockdownTokensTable;
  breached_hashes: BreachedHashesTable;
  password_history: PasswordHistoryTable;
  sessions: SessionsTable;
  throttles: ThrottlesTable;
  reset_tokens: ResetTokensTable;
  outbox: OutboxTable;
  outbox_workers: OutboxWorkersTable;
  security_events: SecurityEventsTable;
  known_devices: KnownDevicesTable;
  oauth_clients: OauthClientsTable;
  oidc_payloads: OidcPayloadsTable;
  provider_keys: ProviderKeysTable;
  totp_factors: TotpFactorsTable;
  recovery_codes: RecoveryCodesTable;
  pending_sign_ins: PendingSignInsTable;
  passkeys: PasskeysTable;
  spent_challenges: SpentChallengesTable;
}

/** Store functions take either the database or an open transaction. */
export type Executor = Kysely<Database> | Transaction<Database>;
export type Db = Kysely<Database>;
