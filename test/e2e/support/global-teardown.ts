// The temporary folder of the run (its SQLite database) goes once the tests are over.
import { rmSync } from 'node:fs';

export default function globalTeardown(): void {
  if (process.env.E2E_DIR) rmSync(process.env.E2E_DIR, { recursive: true, force: true });
}
