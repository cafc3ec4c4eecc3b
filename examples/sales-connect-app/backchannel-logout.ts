// POST /backchannel-logout: the provider tells the app that a user signed out there (OpenID Connect
// Back-Channel Logout 1.0 §2.6). The logout token is checked as §2.6 says before any session ends.
import { errors, type JWTVerifyGetKey, jwtVerify } from 'jose';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** oidc-provider gives logout tokens two minutes; older ones are refused whatever their exp says. */
const MAX_AGE_SECONDS = 120;
const CLOCK_TOLERANCE_SECONDS = 30;

export type LogoutTokenCheck = { ok: true; sid?: string; sub?: string } | { ok: false; reason: string };

export interface LogoutTokenVerifier {
  verify(token: string): Promise<LogoutTokenCheck>;
}

export function logoutTokenVerifier(options: {
  issuer: string;
  clientId: string;
  keys: JWTVerifyGetKey;
  now?: () => number;
}): LogoutTokenVerifier {
  const now = options.now ?? Date.now;
  // §2.6 step 7 lets the app refuse a token it has seen before: jti → when it can be forgotten.
  const seen = new Map<string, number>();

  return {
    async verify(token) {
      const at = now();
      for (const [jti, until] of seen) if (until < at) seen.delete(jti);
      let verified: Awaited<ReturnType<typeof jwtVerify>>;
      try {
        verified = await jwtVerify(token, options.keys, {
          issuer: options.issuer,
          audience: options.clientId,
          // The provider signs with ES256 only; naming it rules out "none" and any key confusion.
          algorithms: ['ES256'],
          requiredClaims: ['iat', 'exp', 'jti', 'events'],
          // An iat older than this, or in the future, is refused (§2.6 step 6, "iat recent").
          maxTokenAge: MAX_AGE_SECONDS,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(at),
        });
      } catch (error) {
        if (!(error instanceof errors.JOSEError)) return { ok: false, reason: 'unreadable' };
        const claim = (error as { claim?: string }).claim;
        return { ok: false, reason: claim ? `${error.code}: ${claim}` : error.code };
      }
      const { payload, protectedHeader } = verified;
      // An ID token is no logout token: its typ (when set) says which it is, and it has a nonce.
      if (protectedHeader.typ !== undefined && !/^(application\/)?logout\+jwt$/i.test(protectedHeader.typ))
        return { ok: false, reason: 'wrong-typ' };
      if ('nonce' in payload) return { ok: false, reason: 'has-nonce' };
      const events = payload.events as Record<string, unknown> | undefined;
      const event = events?.[EVENT];
      if (typeof events !== 'object' || events === null || typeof event !== 'object' || event === null)
        return { ok: false, reason: 'no-logout-event' };
      const sid = typeof payload.sid === 'string' && payload.sid !== '' ? payload.sid : undefined;
      const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
      if (sid === undefined && sub === undefined) return { ok: false, reason: 'no-sid-or-sub' };
      const jti = String(payload.jti);
      if (seen.has(jti)) return { ok: false, reason: 'replayed' };
      seen.set(jti, ((payload.exp ?? 0) + CLOCK_TOLERANCE_SECONDS) * 1000);
      return { ok: true, sid, sub };
    },
  };
}
