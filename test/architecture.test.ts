// STYLE.md principle 4: dependencies point one way. Reads every import under src/ and fails on any arrow
// the table does not allow.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const allowed: Record<string, string[]> = {
  core: [],
  i18n: ['core'],
  factors: ['core'],
  store: ['core'],
  breached: ['core', 'store'],
  root: ['core', 'store', 'breached'],
  flows: ['core', 'factors', 'store', 'root'],
  mail: ['core', 'store', 'i18n', 'root'],
  apps: ['core', 'flows', 'store', 'root'],
  web: ['core', 'factors', 'flows', 'apps', 'i18n', 'root'],
  cli: ['core', 'flows', 'apps', 'store', 'root', 'breached'],
};

const src = resolve('src');

function layerOf(file: string): string {
  const path = relative(src, file);
  if (path === 'main.ts' || path === 'main.test.ts') return 'main';
  const [first] = path.split('/');
  return path.includes('/') ? first! : 'root';
}

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

describe('the dependency direction of STYLE.md', () => {
  it('is kept by every import under src/', () => {
    const broken: string[] = [];
    for (const file of sourceFiles(src)) {
      const from = layerOf(file);
      if (from === 'main') continue;
      for (const match of readFileSync(file, 'utf8').matchAll(
        /^(?:import|export)[^'"]*?from\s+'(\.[^']+)'|^import\s+'(\.[^']+)'/gm,
      )) {
        const target = resolve(dirname(file), (match[1] ?? match[2])!);
        const to = layerOf(target);
        if (to !== from && !allowed[from]?.includes(to))
          broken.push(`${relative(src, file)} (${from}) → ${relative(src, target)} (${to})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('has something to check', () => {
    expect(sourceFiles(src).length).toBeGreaterThan(30);
  });
});
