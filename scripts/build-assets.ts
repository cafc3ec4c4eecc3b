// Writes dist/public: the browser script (bundled from src/web/client with the shared password policy),
// the stylesheet and the icon. Run by `npm run build`.
import { copyFileSync, mkdirSync } from 'node:fs';
import { build } from 'esbuild';

const out = 'dist/public';
mkdirSync(out, { recursive: true });
await build({
  entryPoints: { app: 'src/web/client/app.ts' },
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2022'],
  outdir: out,
  logLevel: 'warning',
});
await build({
  entryPoints: { app: 'src/web/assets/app.css' },
  bundle: true,
  minify: true,
  outdir: out,
  logLevel: 'warning',
});
copyFileSync('src/web/assets/icon.svg', `${out}/icon.svg`);
