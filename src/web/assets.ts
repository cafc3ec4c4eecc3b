// The built stylesheet, script and icon (scripts/build-assets.ts writes them to dist/public), served under
// /assets/ with a content hash in the URL so they can be cached for a year and still change on deploy.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Both src/web/ and dist/web/ sit two levels below the project root.
export const publicDir = fileURLToPath(new URL('../../dist/public/', import.meta.url));

export interface AssetUrls {
  css: string;
  js: string;
  icon: string;
}

export function assetUrls(): AssetUrls {
  const url = (file: string) => {
    const version = createHash('sha256').update(readFileSync(`${publicDir}${file}`)).digest('hex').slice(0, 12);
    return `/assets/${file}?v=${version}`;
  };
  return { css: url('app.css'), js: url('app.js'), icon: url('icon.svg') };
}
