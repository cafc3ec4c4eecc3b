// The corpus of return_to and Origin attacks (test/corpus/return-to-attacks.json), for the unit test of the
// allow-list and the HTTP tests of every page that follows a return_to (SECURITY 81, 82).
import { readFileSync } from 'node:fs';

export interface Attack {
  value: string;
  why: string;
}

const corpus = JSON.parse(readFileSync('test/corpus/return-to-attacks.json', 'utf8')) as {
  returnTo: Attack[];
  origins: Attack[];
};

/** The corpus's one placeholder: an allowed address just over the length limit. */
const expand = (attack: Attack): Attack =>
  attack.value === 'OVERLONG' ? { ...attack, value: `https://app.example.com/${'a'.repeat(2048)}` } : attack;

/** Against a service at https://accounts.example.com whose one allowed app is https://app.example.com. */
export const returnToAttacks = corpus.returnTo.map(expand);
export const originAttacks = corpus.origins;
export const ATTACKED = { service: 'https://accounts.example.com', app: 'https://app.example.com' };

/** An address of our own that carries a return_to on: followed, it meets the same check again. */
export const isOwnChain = (value: string) => value.startsWith(`${ATTACKED.service}/`) || value.startsWith('/logout');
