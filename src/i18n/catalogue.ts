// The shape every catalogue must have: exactly the keys of the English one, so a missing or misspelt key in
// another language fails the type check.
import type { en } from './en.ts';

export type MessageKey = keyof typeof en;
export type Catalogue = { readonly [K in MessageKey]: string };
