// A "Pwned Passwords"-style range API (k-anonymity, NIST SP 800-63B-4 §3.1.1.2): only the first five hex
// characters of a password's SHA-1 leave the service; the answer lists the suffixes of every breached
// password under that prefix, which are compared here. Padding is asked for, so that the size of the answer
// says nothing of the prefix to whoever watches the wire; padded entries have a count of 0.

export type RangeAnswer =
  /** Upper-case suffixes (35 hex characters) of the breached passwords under the prefix. */
  | { ok: true; suffixes: ReadonlySet<string> }
  | { ok: false; reason: 'timeout' | 'unreachable' | 'status' | 'malformed' };

export type RangeApi = (prefix: string) => Promise<RangeAnswer>;

/** The public service answers about 30 kB; anything this large is not an answer. */
const MAX_ANSWER_BYTES = 2 * 1024 * 1024;
const entry = /^([0-9A-Fa-f]{35}):(\d{1,12})$/;

/** `base` ends with the path the prefix is appended to, as https://api.pwnedpasswords.com/range/ does. */
export function createRangeApi(base: URL, { timeoutMs = 1000 } = {}): RangeApi {
  return async (prefix) => {
    let body: string | undefined;
    try {
      const response = await fetch(new URL(prefix, base), {
        headers: { 'Add-Padding': 'true', 'User-Agent': 'sales-connect-accounts' },
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status !== 200) {
        await response.body?.cancel();
        return { ok: false, reason: 'status' };
      }
      body = await readAtMost(response, MAX_ANSWER_BYTES);
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      return { ok: false, reason: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'unreachable' };
    }
    return body === undefined ? { ok: false, reason: 'malformed' } : parseRange(body);
  };
}

/** `SUFFIX:COUNT` lines; one line that is not that makes the whole answer unusable. */
export function parseRange(body: string): RangeAnswer {
  const suffixes = new Set<string>();
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const match = entry.exec(line);
    if (!match) return { ok: false, reason: 'malformed' };
    if (Number(match[2]) > 0) suffixes.add(match[1]!.toUpperCase());
  }
  return { ok: true, suffixes };
}

async function readAtMost(response: Response, limit: number): Promise<string | undefined> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
