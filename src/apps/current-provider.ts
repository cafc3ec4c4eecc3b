// The provider every request uses: built over the keys in the database, and built again when another
// instance (or `keys rotate`) changed them. The keys are read again at most every KEY_RELOAD_MS, by the
// request that finds them due, while the others go on with the provider they have.
import type Provider from 'oidc-provider';
import { KEY_RELOAD_MS } from '../core/key-generations.ts';
import type { Deps } from '../deps.ts';
import { loadKeys } from './keys.ts';
import { createProvider, type ProviderOptions } from './provider.ts';

export interface CurrentProvider {
  get(): Promise<Provider>;
}

export function currentProvider(deps: Deps, options: Omit<ProviderOptions, 'keys'>): CurrentProvider {
  let built: { provider: Provider; fingerprint: string; loadedAt: number } | undefined;
  let loading: Promise<Provider> | undefined;

  async function load(): Promise<Provider> {
    const now = deps.clock.now();
    const keys = await loadKeys(deps.db, now);
    if (built?.fingerprint !== keys.fingerprint) {
      built = { provider: createProvider(deps, { ...options, keys }), fingerprint: keys.fingerprint, loadedAt: now };
    } else built.loadedAt = now;
    return built.provider;
  }

  return {
    get() {
      if (built && deps.clock.now() - built.loadedAt < KEY_RELOAD_MS) return Promise.resolve(built.provider);
      loading ??= load().finally(() => {
        loading = undefined;
      });
      // Keys that cannot be read now (the database is away) leave the provider we have in service.
      return built ? loading.catch(() => built!.provider) : loading;
    },
  };
}
