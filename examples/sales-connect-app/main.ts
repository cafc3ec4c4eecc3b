// Starts the app from its environment: ISSUER, CLIENT_ID, CLIENT_SECRET, APP_URL, PORT (and HOST).
import { startDemoApp } from './app.ts';

const { ISSUER, CLIENT_ID, CLIENT_SECRET } = process.env;
const port = Number(process.env.PORT ?? 3001);
const missing = [
  ['ISSUER', ISSUER],
  ['CLIENT_ID', CLIENT_ID],
].filter(([, value]) => !value);
if (missing.length > 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
  for (const [name] of missing) process.stderr.write(`${name} is required\n`);
  if (!Number.isInteger(port) || port < 0 || port > 65535) process.stderr.write(`PORT must be a port number\n`);
  process.exit(2);
}

let app: Awaited<ReturnType<typeof startDemoApp>>;
try {
  app = await startDemoApp({
    issuer: ISSUER!,
    clientId: CLIENT_ID!,
    clientSecret: CLIENT_SECRET || undefined,
    appUrl: process.env.APP_URL ?? `http://localhost:${port}`,
    port,
    host: process.env.HOST,
  });
} catch (error) {
  process.stderr.write(`The Sales Connect app could not start: ${(error as Error).message}\n`);
  process.exit(1);
}
process.stdout.write(`The Sales Connect app is ready at ${app.url}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
