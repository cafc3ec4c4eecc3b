// Which workers are alive, so that a claim holds exactly as long as its worker does. Each worker has a row in
// outbox_workers that it beats every HEARTBEAT_MS; STALE_AFTER_MS of silence and its claims are free to any
// other. A worker that a process of this host ran before and that will not beat again (its process is
// gone, or it had this very pid: a container restarted) has its claims taken back at once, as soon as its
// last beat is older than a beat could be of a live one. Instances on different hosts must have distinct
// host names, and clocks that agree to within a few seconds (NTP), since they judge each other's beats.
import { hostname } from 'node:os';
import { SECOND } from '../core/duration.ts';
import { newId } from '../core/tokens.ts';
import type { Deps } from '../deps.ts';
import { beatWorker, forgetWorkers, registerWorker, workersOnHost } from '../store/outbox.ts';

export const HEARTBEAT_MS = 2 * SECOND;
export const STALE_AFTER_MS = 10 * SECOND;
/** Older than any beat of a live worker of this host can be, with room for a slow commit. */
const SILENT_MS = HEARTBEAT_MS + SECOND;

/** Every worker of this process has an id that starts so; a worker of an earlier process on this host does not. */
const THIS_PROCESS = `${hostname()}:${process.pid}:${newId().slice(0, 8)}`;

export interface Presence {
  readonly id: string;
  /** Registers the worker and beats until stop(). */
  start(): Promise<void>;
  /** Hands back the claims of this host's workers that will not beat again. */
  takeBackFromPredecessors(): Promise<void>;
  /** Hands back this worker's claims, to be sent by another instance at once. */
  stop(): Promise<void>;
}

export function createPresence(deps: Deps): Presence {
  const host = hostname();
  const id = `${THIS_PROCESS}:${newId().slice(0, 8)}`;
  let heartbeat: NodeJS.Timeout | undefined;

  /**
   * If its row is gone (another instance took it for dead during a long pause), the worker registers again:
   * what it had claimed may go out twice, with one Message-ID; only the holder of a claim sends or marks it.
   */
  async function beat(): Promise<void> {
    const now = deps.clock.now();
    if (!(await beatWorker(deps.db, id, now)))
      await registerWorker(deps.db, { id, host, pid: process.pid, started_at: now });
  }

  return {
    id,
    async start() {
      await registerWorker(deps.db, { id, host, pid: process.pid, started_at: deps.clock.now() });
      heartbeat = setInterval(() => {
        beat().catch((error: unknown) => deps.log.debug({ err: error }, 'outbox heartbeat failed'));
      }, HEARTBEAT_MS).unref();
    },
    async takeBackFromPredecessors() {
      const silentSince = deps.clock.now() - SILENT_MS;
      const gone = (await workersOnHost(deps.db, host)).filter(
        (other) =>
          !other.id.startsWith(`${THIS_PROCESS}:`) &&
          other.heartbeat_at < silentSince &&
          (other.pid === process.pid || !isProcessAlive(other.pid)),
      );
      await forgetWorkers(
        deps.db,
        gone.map((other) => other.id),
      );
    },
    async stop() {
      clearInterval(heartbeat);
      await forgetWorkers(deps.db, [id]);
    },
  };
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, and belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
