import { describe, expect, it } from 'vitest';
import { allowFormAction, formActionSource } from './form-action.ts';

const policy = "default-src 'none'; form-action 'self'; frame-ancestors 'none'";

describe('a form that ends at an app', () => {
  it('adds the origin of a web app, or the scheme of a native one', () => {
    expect(allowFormAction(policy, 'https://app.example.com/callback?x=1')).toBe(
      "default-src 'none'; form-action 'self' https://app.example.com; frame-ancestors 'none'",
    );
    expect(formActionSource('com.example.app:/callback')).toBe('com.example.app:');
    expect(formActionSource('http://127.0.0.1:9/cb')).toBe('http://127.0.0.1:9');
  });

  it('leaves the policy as it was for no URI, a malformed one, or one already allowed', () => {
    expect(allowFormAction(policy, undefined)).toBe(policy);
    expect(allowFormAction(policy, 'not a uri')).toBe(policy);
    const once = allowFormAction(policy, 'https://app.example.com/a');
    expect(allowFormAction(once, 'https://app.example.com/b')).toBe(once);
  });

  it('cannot be made to add a directive or a keyword', () => {
    for (const hostile of ["https://a.example/';script-src *", 'javascript:alert(1)//;', "x'unsafe-inline':/"]) {
      const result = allowFormAction(policy, hostile);
      expect(result.split(';')).toHaveLength(3);
      expect(result).not.toContain('unsafe-inline');
      expect(result).not.toContain('script-src');
      expect(result).not.toContain('javascript');
    }
  });
});
