// `test` with one more fixture: `addUser(lang)` adds a fresh user through the admin CLI, exactly as an
// administrator would (`npm run cli -- users add … --password-stdin`), so no two tests share an account.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { test as base } from '@playwright/test';
import type { Lang } from './copy.ts';
import { serviceEnv } from './environment.ts';

export { expect } from '@playwright/test';

export interface Account {
  email: string;
  name: string;
  password: string;
  lang: Lang;
}

/** Passwords that meet the four rules and none of the server's extra ones (common, name, email, brand). */
export const passwords = {
  first: 'Ember-Quartz-71',
  next: 'Violet#Harbor-2026',
  /** Differs from `next` by one character: the confirmation that does not match. */
  nextTypo: 'Violet#Harbor-2062',
  /** Long enough, mixed case and a number, but no special character. */
  noSpecial: 'VioletHarbor2026',
} as const;

const names: Record<Lang, string> = { en: 'Ada Lovelace', fr: 'Amélie Poulain' };

/** An address no other test uses; no account has it until `addUser` gives it one. */
export function newAddress(lang: Lang): string {
  return `e2e-${lang}-${randomBytes(6).toString('hex')}@example.com`;
}

export const test = base.extend<{ addUser: (lang: Lang) => Promise<Account> }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixtures a fixture needs from this pattern
  addUser: async ({}, use) => {
    await use(async (lang) => {
      const email = newAddress(lang);
      const name = names[lang];
      await runCli(
        ['users', 'add', '--email', email, '--name', name, '--locale', lang, '--password-stdin'],
        passwords.first,
      );
      return { email, name, password: passwords.first, lang };
    });
  },
});

function runCli(args: string[], stdin: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(resolve('node_modules/.bin/node'), ['src/cli/main.ts', ...args], {
      env: { ...process.env, ...serviceEnv },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`users add exited with ${code}: ${output}`))));
    child.stdin.end(`${stdin}\n`);
  });
}
