// npm run cli -- clients add|list|remove|rotate-secret and keys rotate: the apps that sign their users in
// with us, and the provider's keys. A client secret is printed once, when it is made, and never again: the
// database keeps only its digest.
import { parseArgs } from 'node:util';
import { addClient, listRegisteredClients, removeClient, rotateClientSecret } from '../apps/clients.ts';
import { rotateKeys } from '../apps/keys.ts';
import { formatDuration } from '../core/duration.ts';
import { SIGNED_LIFETIME_MS } from '../core/key-generations.ts';
import { type Command, noArguments, Refused, UsageError, withDeps } from './run.ts';

const keepTheSecret = 'Keep the secret now: it is stored only as a digest and cannot be shown again.\n';

export const addClientCommand: Command = async (cli, args) => {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      'backchannel-logout-uri': { type: 'string' },
      public: { type: 'boolean' },
      'first-party': { type: 'boolean' },
    },
    strict: true,
  });
  // An empty --name is given, and refused by addClient with the reason; a missing one is a usage mistake.
  if (values.name === undefined) throw new UsageError('clients add needs --name');
  const input = {
    name: values.name,
    redirectUris: values['redirect-uri'] ?? [],
    postLogoutRedirectUris: values['post-logout-redirect-uri'],
    backchannelLogoutUri: values['backchannel-logout-uri'],
    public: values.public,
    firstParty: values['first-party'],
  };
  return withDeps(cli, async (deps) => {
    const added = await addClient(deps, input);
    if (!added.ok) throw new Refused(`Refused: ${added.problem}.`);
    process.stdout.write(`client_id: ${added.clientId}\n`);
    if (added.clientSecret !== undefined) {
      process.stdout.write(`client_secret: ${added.clientSecret}\n`);
      process.stderr.write(keepTheSecret);
    }
    return 0;
  });
};

export const listClientsCommand: Command = async (cli, args) => {
  noArguments('clients list', args);
  return withDeps(cli, async (deps) => {
    const clients = await listRegisteredClients(deps);
    for (const client of clients) {
      const kind = client.public ? 'public' : 'confidential';
      const party = client.firstParty ? 'first-party' : 'third-party';
      const created = new Date(client.createdAt).toISOString();
      process.stdout.write(
        `${client.clientId}\t${client.name}\t${kind}\t${party}\t${client.redirectUris.join(' ')}\t${created}\n`,
      );
    }
    if (clients.length === 0) process.stderr.write('No clients.\n');
    return 0;
  });
};

function clientIdOf(name: string, args: string[]): string {
  const { values } = parseArgs({ args, options: { 'client-id': { type: 'string' } }, strict: true });
  const clientId = values['client-id'];
  if (!clientId) throw new UsageError(`${name} needs --client-id`);
  return clientId;
}

const noSuchClient = (clientId: string) => new Refused(`No client has the id ${clientId}.`);

export const removeClientCommand: Command = async (cli, args) => {
  const clientId = clientIdOf('clients remove', args);
  return withDeps(cli, async (deps) => {
    const name = await removeClient(deps, clientId);
    if (name === undefined) throw noSuchClient(clientId);
    process.stdout.write(`Removed ${clientId} (${name})\n`);
    return 0;
  });
};

export const rotateSecretCommand: Command = async (cli, args) => {
  const clientId = clientIdOf('clients rotate-secret', args);
  return withDeps(cli, async (deps) => {
    const rotated = await rotateClientSecret(deps, clientId);
    if (!rotated.ok) {
      throw rotated.reason === 'unknown'
        ? noSuchClient(clientId)
        : new Refused(`${clientId} is a public client: it has no secret.`);
    }
    process.stdout.write(`client_secret: ${rotated.clientSecret}\n`);
    process.stderr.write(`The previous secret no longer works. ${keepTheSecret}`);
    return 0;
  });
};

export const rotateKeysCommand: Command = async (cli, args) => {
  noArguments('keys rotate', args);
  return withDeps(cli, async (deps) => {
    const added = await rotateKeys(deps.db, deps.clock.now());
    const kept = formatDuration(SIGNED_LIFETIME_MS);
    process.stdout.write(
      `Added signing key ${added.kid}; it signs from ${new Date(added.signsFrom).toISOString()}, once every instance has read it. Keys replaced more than ${kept} ago were dropped.\n`,
    );
    return 0;
  });
};
