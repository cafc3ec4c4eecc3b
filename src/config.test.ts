import { describe, expect, it } from 'vitest';
import { parseConfig } from './config.ts';

const problems = (env: Record<string, string>) => {
  const result = parseConfig(env);
  return result.ok ? [] : result.problems;
};

describe('configuration from the environment', () => {
  it('starts on the embedded defaults with nothing set', () => {
    const result = parseConfig({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      database: { kind: 'sqlite', path: './data/app.db' },
      appName: 'Sales Connect',
      defaultLocale: 'en',
      production: false,
      secureCookies: false,
      passwordPolicy: 'documented',
      sessionIdleTimeoutMs: 3_600_000,
      sessionAbsoluteTimeoutMs: 43_200_000,
    });
    expect(result.config.publicUrl.href).toBe('http://localhost:3000/');
    expect(Object.isFrozen(result.config)).toBe(true);
  });

  it('follows PORT in the default public URL, and reads every documented variable', () => {
    const result = parseConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://app@db.internal/accounts',
      APP_NAME: 'Acme Sales',
      DEFAULT_LOCALE: 'fr',
      PUBLIC_URL: 'https://accounts.example.com',
      NODE_ENV: 'production',
      SMTP_URL: 'smtps://mailer:secret@smtp.example.com:465',
      ENCRYPTION_KEY: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      MAIL_FROM: 'Acme Sales <accounts@example.com>',
      RESET_TOKEN_TTL: '30m',
    });
    expect(result.ok && result.config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      database: { kind: 'postgres', url: 'postgres://app@db.internal/accounts' },
      appName: 'Acme Sales',
      defaultLocale: 'fr',
      production: true,
      secureCookies: true,
      mailFrom: 'Acme Sales <accounts@example.com>',
      resetTokenTtlMs: 1_800_000,
    });
    expect(result.ok && result.config.smtpUrl?.href).toBe('smtps://mailer:secret@smtp.example.com:465');
    expect(
      parseConfig({ PORT: '8080' }).ok &&
        (parseConfig({ PORT: '8080' }) as { config: { publicUrl: URL } }).config.publicUrl.origin,
    ).toBe('http://localhost:8080');
  });

  it('names every bad value on its own line', () => {
    const found = problems({
      PORT: 'eighty',
      DEFAULT_LOCALE: 'de',
      DATABASE_URL: 'mysql://x',
      PUBLIC_URL: 'not a url',
      NODE_ENV: 'staging',
    });
    expect(found).toHaveLength(5);
    expect(found.join('\n')).toMatch(/PORT must be a whole number from 1 to 65535 \(got "eighty"\)/);
    expect(found.join('\n')).toMatch(/DEFAULT_LOCALE must be one of en, fr \(got "de"\)/);
    expect(found.join('\n')).toMatch(/NODE_ENV must be one of development, production, test/);
    for (const line of found) expect(line).not.toContain('\n');
  });

  it('refuses what would be unsafe or missing in production', () => {
    expect(
      problems({
        NODE_ENV: 'production',
        PUBLIC_URL: 'http://accounts.example.com',
        SMTP_URL: 'smtp://mail',
        ENCRYPTION_KEY: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      }),
    ).toEqual(['PUBLIC_URL must be an https:// address when NODE_ENV=production']);
    expect(problems({ NODE_ENV: 'production', PUBLIC_URL: 'https://accounts.example.com' })).toEqual([
      'SMTP_URL must be set when NODE_ENV=production (the development mailbox is not available there)',
      'ENCRYPTION_KEY must be set when NODE_ENV=production (32 random bytes in base64: openssl rand -base64 32), unless REQUIRE_2FA=off',
    ]);
  });

  it('reads the mail settings, with a sender and a link lifetime by default', () => {
    const result = parseConfig({ PUBLIC_URL: 'https://accounts.example.com' });
    expect(result.ok && result.config).toMatchObject({
      smtpUrl: undefined,
      mailFrom: '"Sales Connect" <no-reply@accounts.example.com>',
      resetTokenTtlMs: 3_600_000,
    });
    expect(problems({ SMTP_URL: 'http://mail.example.com' })).toEqual([
      'SMTP_URL must be smtp://[user:password@]host[:port] or smtps://… (got "http://mail.example.com")',
    ]);
    const [line] = problems({ SMTP_URL: 'imap://user:hunter2@mail.example.com' });
    expect(line).not.toContain('hunter2');
    expect(problems({ MAIL_FROM: 'no address here' })).toHaveLength(1);
    expect(problems({ MAIL_FROM: 'Sales <sales@example.com>, Support <support@example.com>' })).toEqual([
      'MAIL_FROM must be one address such as "Sales Connect <no-reply@example.com>", on one line',
    ]);
    expect(problems({ MAIL_FROM: 'Sales <sales@@example.com>' })).toHaveLength(1);
    expect(problems({ RESET_TOKEN_TTL: '2d' })).toEqual(['RESET_TOKEN_TTL must be at most 24h']);
  });

  it('finds the sender address in every form of MAIL_FROM, and makes a valid one of any APP_NAME', () => {
    const sender = (env: Record<string, string>) => {
      const result = parseConfig({ PUBLIC_URL: 'https://accounts.example.com', ...env });
      return result.ok ? result.config.mailSender : result.problems;
    };
    expect(sender({ MAIL_FROM: '"Sales Connect" <accounts@mail.example.com>' })).toBe('accounts@mail.example.com');
    expect(sender({ MAIL_FROM: 'no-reply@example.com (Sales Connect)' })).toBe('no-reply@example.com');
    expect(sender({ MAIL_FROM: 'no-reply@example.com' })).toBe('no-reply@example.com');
    // SMTP envelopes and Message-IDs carry an internationalised domain in its ASCII form.
    expect(sender({ MAIL_FROM: 'Bücher <no-reply@bücher.example>' })).toBe('no-reply@xn--bcher-kva.example');
    const quoted = parseConfig({ PUBLIC_URL: 'https://accounts.example.com', APP_NAME: 'Sales "Connect" \\ Co' });
    expect(quoted.ok && [quoted.config.mailFrom, quoted.config.mailSender]).toEqual([
      '"Sales \\"Connect\\" \\\\ Co" <no-reply@accounts.example.com>',
      'no-reply@accounts.example.com',
    ]);
  });

  it('refuses a public URL with a path, credentials or another scheme', () => {
    for (const url of [
      'https://example.com/accounts',
      'https://user:pw@example.com',
      'ftp://example.com',
      'https://example.com/?next=x',
    ]) {
      expect(problems({ PUBLIC_URL: url })).toHaveLength(1);
    }
  });

  it('never echoes a database password back', () => {
    const [line] = problems({ DATABASE_URL: 'mysql://admin:hunter2@db/x' });
    expect(line).toContain('admin:***@');
    expect(line).not.toContain('hunter2');
  });

  it('reads session timeouts as durations and keeps them consistent', () => {
    const result = parseConfig({ SESSION_IDLE_TIMEOUT: '30m', SESSION_ABSOLUTE_TIMEOUT: '8h' });
    expect(result.ok && result.config.sessionIdleTimeoutMs).toBe(1_800_000);
    expect(problems({ SESSION_IDLE_TIMEOUT: 'soon' })).toEqual([
      'SESSION_IDLE_TIMEOUT must be a duration such as 90s, 30m, 12h or 7d (got "soon")',
    ]);
    expect(problems({ SESSION_IDLE_TIMEOUT: '2h', SESSION_ABSOLUTE_TIMEOUT: '1h' })).toEqual([
      'SESSION_ABSOLUTE_TIMEOUT must not be shorter than SESSION_IDLE_TIMEOUT',
    ]);
    expect(problems({ SESSION_IDLE_TIMEOUT: '1m' })).toEqual([]);
    expect(problems({ SESSION_IDLE_TIMEOUT: '59s' })).toEqual([
      "SESSION_IDLE_TIMEOUT must be at least 1m: a session's last use is recorded to a tenth of the timeout, and a shorter one would need a write at nearly every request",
    ]);
  });

  it('refuses settings that would let a client choose its address or read the development mailbox', () => {
    expect(problems({ TRUST_PROXY: 'true' })[0]).toMatch(/^TRUST_PROXY=true would let clients choose/);
    expect(
      parseConfig({ TRUST_PROXY: '2' }).ok &&
        (parseConfig({ TRUST_PROXY: '2' }) as { config: { trustProxy: unknown } }).config.trustProxy,
    ).toBe(2);
    expect(problems({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.5' })).toEqual([]);
    expect(problems({ TRUST_PROXY: 'sometimes' })).toHaveLength(1);
    expect(problems({ HOST: '0.0.0.0' })[0]).toMatch(/^SMTP_URL must be set when HOST is not a loopback address/);
    expect(problems({ HOST: '0.0.0.0', SMTP_URL: 'smtp://mail.internal' })).toEqual([]);
  });

  it('treats an empty variable as unset', () => {
    expect(parseConfig({ PORT: '', APP_NAME: '' }).ok).toBe(true);
  });

  it("reads COOKIE_DOMAIN: PUBLIC_URL's host or a domain above it, a name and nothing else (SECURITY 82)", () => {
    const https = { PUBLIC_URL: 'https://accounts.example.com' };
    expect(parseConfig({ ...https, COOKIE_DOMAIN: 'Example.com' })).toMatchObject({
      ok: true,
      config: { cookieDomain: 'example.com' },
    });
    expect(parseConfig({ ...https, COOKIE_DOMAIN: 'accounts.example.com' }).ok).toBe(true);
    expect(parseConfig(https)).toMatchObject({ ok: true, config: { cookieDomain: undefined } });
    expect(problems({ ...https, COOKIE_DOMAIN: 'example.org' })).toEqual([
      "COOKIE_DOMAIN must be PUBLIC_URL's host (accounts.example.com) or a domain above it, such as example.com",
    ]);
    expect(problems({ ...https, COOKIE_DOMAIN: 'ample.com' })).toHaveLength(1);
    for (const bad of [
      'com',
      '.example.com',
      'https://example.com',
      'example.com:443',
      '127.0.0.1',
      'exa mple.com',
      '*.example.com',
    ]) {
      expect(problems({ ...https, COOKIE_DOMAIN: bad }), bad).toEqual([
        `COOKIE_DOMAIN must be a domain name with at least two labels, such as example.com (got "${bad}")`,
      ]);
    }
  });

  it('reads ALLOWED_APP_ORIGINS as exact origins, and refuses a wildcard, a path, or http in production (SECURITY 81, 82)', () => {
    expect(
      parseConfig({
        ALLOWED_APP_ORIGINS: ' https://App.Example.com , http://127.0.0.1:4000/,https://app.example.com:443',
      }),
    ).toMatchObject({
      ok: true,
      config: { appOrigins: ['https://app.example.com', 'http://127.0.0.1:4000'] },
    });
    expect(parseConfig({})).toMatchObject({ ok: true, config: { appOrigins: [] } });
    const wildcard =
      'ALLOWED_APP_ORIGINS must list exact origins such as https://app.example.com: a wildcard would let any site read who is signed in';
    expect(problems({ ALLOWED_APP_ORIGINS: '*' })).toEqual([wildcard]);
    expect(problems({ ALLOWED_APP_ORIGINS: 'https://app.example.com, https://*.example.com' })).toEqual([wildcard]);
    for (const bad of [
      'https://app.example.com/home',
      'app.example.com',
      'javascript:alert(1)',
      'https://app.example.com?x=1',
      'null',
    ]) {
      expect(problems({ ALLOWED_APP_ORIGINS: bad }), bad).toEqual([
        `ALLOWED_APP_ORIGINS must be a comma-separated list of origins such as https://app.example.com (got "${bad}")`,
      ]);
    }
    const production = {
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://accounts.example.com',
      SMTP_URL: 'smtp://mail.example.com',
      ENCRYPTION_KEY: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    };
    expect(problems({ ...production, ALLOWED_APP_ORIGINS: 'http://app.example.com' })).toEqual([
      'ALLOWED_APP_ORIGINS must list https:// origins only when NODE_ENV=production',
    ]);
    expect(problems({ ...production, ALLOWED_APP_ORIGINS: 'https://app.example.com' })).toEqual([]);
  });
});

describe('two-step verification settings', () => {
  const key = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
  const otherKey = Buffer.alloc(32, 7).toString('base64url');
  const production = { NODE_ENV: 'production', PUBLIC_URL: 'https://accounts.example.com', SMTP_URL: 'smtp://mail' };
  const keyMessage =
    'ENCRYPTION_KEY must be 32 random bytes in base64 (openssl rand -base64 32), several separated by commas';

  it('needs ENCRYPTION_KEY in production, unless REQUIRE_2FA=off', () => {
    expect(problems(production)).toEqual([
      'ENCRYPTION_KEY must be set when NODE_ENV=production (32 random bytes in base64: openssl rand -base64 32), unless REQUIRE_2FA=off',
    ]);
    expect(problems({ ...production, REQUIRE_2FA: 'required' })).toHaveLength(1);
    expect(problems({ ...production, REQUIRE_2FA: 'off' })).toEqual([]);
    expect(problems({ ...production, ENCRYPTION_KEY: key })).toEqual([]);
    // Outside production the service keeps a development key of its own.
    expect(parseConfig({})).toMatchObject({ ok: true, config: { encryptionKeys: [] } });
  });

  it('reads several keys, the first one sealing, in the order given', () => {
    const result = parseConfig({ ENCRYPTION_KEY: `${otherKey}, ${key}` });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.encryptionKeys).toEqual([Buffer.alloc(32, 7), Buffer.alloc(32)]);
    expect(Object.isFrozen(result.config.encryptionKeys)).toBe(true);
  });

  it('refuses a key that is not 32 bytes of base64, and never echoes what was given', () => {
    const almost = Buffer.alloc(31, 9).toString('base64');
    for (const given of [
      'hunter2-hunter2',
      almost,
      `${key},${almost}`,
      `${key},`,
      Buffer.alloc(32, 9).toString('hex'),
    ]) {
      const lines = problems({ ENCRYPTION_KEY: given });
      expect(lines, given).toEqual([keyMessage]);
      for (const part of given.split(',').filter(Boolean)) expect(lines.join('\n')).not.toContain(part);
    }
    // Neither is a production key, when another setting is wrong beside it.
    const lines = problems({ ...production, ENCRYPTION_KEY: almost, PUBLIC_URL: 'http://accounts.example.com' });
    expect(lines).toContain(keyMessage);
    expect(lines.join('\n')).not.toContain(almost);
  });

  it('reads REQUIRE_2FA as off, optional (the default) or required, and nothing else', () => {
    expect(parseConfig({})).toMatchObject({ ok: true, config: { twoStep: 'optional' } });
    for (const policy of ['off', 'optional', 'required'] as const) {
      expect(parseConfig({ REQUIRE_2FA: policy })).toMatchObject({ ok: true, config: { twoStep: policy } });
    }
    for (const bad of ['yes', 'true', 'Required', 'on']) {
      expect(problems({ REQUIRE_2FA: bad }), bad).toEqual([
        `REQUIRE_2FA must be one of off, optional, required (got "${bad}")`,
      ]);
    }
  });
});
