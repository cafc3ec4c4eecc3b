// Stopping on SIGTERM or SIGINT: the steps run in order, and whatever happens the process ends by the
// deadline. A step that has not finished by then (a request that never completes, an SMTP server that
// stops answering mid-send) is named on stderr and the process exits with code 1; a second signal exits at
// once. Orchestrators kill a process that outlives their grace period anyway: this way the operator is told
// which step it was, and the exit is ours.

export interface ShutdownStep {
  /** Said on stderr if the deadline finds it running. */
  name: string;
  run(): Promise<unknown>;
}

export interface ShutdownOptions {
  steps: ShutdownStep[];
  timeoutMs: number;
  /** One line for the operator, even when stdout is gone. */
  report(line: string): void;
  /** Told of a step that failed; the next steps run all the same. */
  onStepFailed(step: string, error: unknown): void;
  exit(code: number): void;
}

/** Returns the signal handler: call it on each SIGTERM or SIGINT. */
export function shutdownOnSignal(options: ShutdownOptions): (signal: NodeJS.Signals) => void {
  const { steps, timeoutMs, report, onStepFailed, exit } = options;
  let current: string | undefined;
  return (signal) => {
    if (current !== undefined) {
      report(`${signal} again while stopping (${current}): exiting now`);
      return exit(signal === 'SIGINT' ? 130 : 143);
    }
    current = steps[0]?.name ?? 'exit';
    // Not unref'd: a step waiting on a promise nothing will settle must not let the process end with 0.
    setTimeout(() => {
      report(
        `shutdown did not finish within ${timeoutMs} ms (SHUTDOWN_TIMEOUT): still ${current}; exiting with code 1`,
      );
      exit(1);
    }, timeoutMs);
    void (async () => {
      let failed = false;
      for (const step of steps) {
        current = step.name;
        try {
          await step.run();
        } catch (error) {
          failed = true;
          onStepFailed(step.name, error);
        }
      }
      exit(failed ? 1 : 0);
    })();
  };
}
