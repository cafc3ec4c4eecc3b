// A browser without a browser, for HTTP tests: one cookie jar per instance, the CSRF token of the last page
// it read, and the Origin header a browser would send. Several instances are several devices.
export interface Page {
  status: number;
  headers: Headers;
  text: string;
  /** The CSRF token of the page's forms, if it has any. */
  csrf?: string;
  location?: string;
}

export interface PostOptions {
  /** The token to send; defaults to the one from the last page read. `null` sends none. */
  csrf?: string | null;
  /** The Origin header; defaults to the service's own. `null` sends none. */
  origin?: string | null;
  headers?: Record<string, string>;
}

export class TestBrowser {
  readonly cookies = new Map<string, string>();
  csrf: string | undefined;

  readonly base: string;
  readonly defaultHeaders: Record<string, string>;

  constructor(base: string, defaultHeaders: Record<string, string> = {}) {
    this.base = base;
    this.defaultHeaders = defaultHeaders;
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.request(path, { method: 'GET', headers });
  }

  async post(path: string, fields: Record<string, string | string[]>, options: PostOptions = {}): Promise<Page> {
    const body = new URLSearchParams();
    const csrf = options.csrf === undefined ? this.csrf : options.csrf;
    if (csrf !== null && csrf !== undefined) body.append('_csrf', csrf);
    for (const [name, value] of Object.entries(fields)) {
      for (const one of Array.isArray(value) ? value : [value]) body.append(name, one);
    }
    const origin = options.origin === undefined ? this.base : options.origin;
    return this.request(path, {
      method: 'POST',
      body: body.toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(origin === null ? {} : { origin }),
        ...options.headers,
      },
    });
  }

  /** Reads the log-in page (for its CSRF token) and signs in. */
  async signIn(email: string, password: string): Promise<Page> {
    await this.get('/login');
    return this.post('/login', { email, password });
  }

  /** Opens the settings page, so the next post carries its token. */
  async openSettings(): Promise<Page> {
    return this.get('/settings/profile');
  }

  async changePassword(
    current: string,
    next: string,
    confirm = next,
    extra: Record<string, string> = {},
  ): Promise<Page> {
    const page = await this.openSettings();
    const name = /id="name" name="name" type="text" value="([^"]*)"/.exec(page.text)?.[1] ?? 'Ada Lovelace';
    return this.post('/settings/profile', {
      name,
      locale: 'en',
      change_password: 'on',
      current_password: current,
      new_password: next,
      confirm_password: confirm,
      ...extra,
    });
  }

  async request(path: string, init: RequestInit & { headers?: Record<string, string> }): Promise<Page> {
    const response = await fetch(new URL(path, this.base), {
      ...init,
      redirect: 'manual',
      headers: {
        ...this.defaultHeaders,
        ...init.headers,
        ...(this.cookies.size > 0 ? { cookie: this.cookieHeader() } : {}),
      },
    });
    for (const line of response.headers.getSetCookie()) this.store(line);
    const text = await response.text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (csrf) this.csrf = csrf;
    const location = response.headers.get('location') ?? undefined;
    return { status: response.status, headers: response.headers, text, csrf, location };
  }

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  private store(line: string): void {
    const [pair = '', ...attributes] = line.split(';');
    const index = pair.indexOf('=');
    const name = pair.slice(0, index).trim();
    const value = pair.slice(index + 1).trim();
    const expired = attributes.some((attribute) => {
      const [key = '', val = ''] = attribute.trim().split('=');
      if (key.toLowerCase() === 'max-age') return Number(val) <= 0;
      if (key.toLowerCase() === 'expires') return Date.parse(val) <= Date.now();
      return false;
    });
    if (expired || value === '') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

/** The visible text of a page, tags removed and whitespace collapsed, for assertions on what a user reads. */
export function visibleText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[ \t\r\n\f]+/g, ' ')
    .trim();
}
