// Sign out, from the gear menu. SECURITY 24 (a POST behind the CSRF check), 61 (the session row is deleted on
// the server, so a copied cookie is dead too).
import type { Deps } from '../deps.ts';
import { endSession } from './sessions.ts';

export async function signOut(deps: Deps, token: string | undefined): Promise<void> {
  const ended = await deps.db.transaction().execute((tx) => endSession(tx, deps.clock.now(), token));
  if (ended) deps.wakeOutbox();
  deps.log.info({ event: 'sign-out' });
}
