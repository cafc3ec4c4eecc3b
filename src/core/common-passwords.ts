// SECURITY 7: the 49,000 most common passwords (the list zxcvbn ships), looked up in a Set: microseconds,
// whatever the input. Full zxcvbn is never run on a request path; it takes seconds on long inputs.
import { dictionary } from '@zxcvbn-ts/language-common';

const common = new Set<string>(dictionary['passwords-common']);

const leet: Record<string, string> = {
  '@': 'a',
  '4': 'a',
  '3': 'e',
  '1': 'i',
  '!': 'i',
  '0': 'o',
  $: 's',
  '5': 's',
  '7': 't',
};

// A common word decorated with a few digits or symbols ("Password1!", "Welcome2024") is still common.
const MAX_DECORATION = 5;

export function isCommonPassword(password: string): boolean {
  const lowered = password.toLowerCase();
  if (common.has(lowered)) return true;
  const core = lowered.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  if (core.length < 4 || lowered.length - core.length > MAX_DECORATION) return false;
  const unleet = core.replace(/[@43105$7!]/g, (c) => leet[c] ?? c);
  return common.has(core) || common.has(unleet);
}
