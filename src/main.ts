// The process: read the configuration, open and migrate the database, build the app, listen, and stop
// cleanly on SIGTERM or SIGINT.
import './node-version.ts';
import { randomBytes } from 'node:crypto';
import { parseConfig } from './config.ts';
import { createDeps, type Deps } from './deps.ts';
import { addUser } from './flows/add-user.ts';
import { countUsers } from './store/users.ts';
import { buildApp } from './web/app.ts';

const parsed = parseConfig(process.env);
if (!parsed.ok) {
  for (const problem of parsed.problems) process.stderr.write(`${problem}\n`);
  process.exit(2);
}
const { config } = parsed;
const { deps, close } = await createDeps(config);
if (!config.production) await createDemoAccount(deps);
const app = await buildApp(deps);
await app.listen({ port: config.port, host: config.host });
process.stdout.write(`${config.appName} accounts is ready at ${config.publicUrl.origin}\n`);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    deps.log.info({ signal }, 'stopping');
    app
      .close()
      .then(close)
      .then(() => process.exit(0))
      .catch((error: unknown) => {
        deps.log.error({ err: error }, 'unclean stop');
        process.exit(1);
      });
  });
}

/**
 * Outside production, an empty database gets an account to sign in with straight away; its password is
 * shown here, once, and stored only as a hash (SECURITY 26: never in production).
 */
async function createDemoAccount(deps: Deps): Promise<void> {
  if ((await countUsers(deps.db)) > 0) return;
  const password = `Xy7!${randomBytes(12).toString("base64url")}`;
  const added = await addUser(deps, { email: 'demo@example.com', name: 'Demo User', locale: deps.config.defaultLocale, password });
  if (!added.ok) throw new Error(`could not create the demo account: ${added.reason}`);
  process.stdout.write(`\nDemo account (development only; shown once):\n  email:    demo@example.com\n  password: ${password}\n\n`);
}
