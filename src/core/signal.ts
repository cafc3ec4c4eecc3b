// A call made before anyone listens: the Deps carry `fire`, and the outbox worker, which needs the Deps and
// so is made after them, listens. One listener; a signal fired before it listens is lost (its worker, once
// started, runs at once anyway).
export interface Signal {
  fire(): void;
  listen(listener: () => void): void;
}

export function createSignal(): Signal {
  let listener: (() => void) | undefined;
  return {
    fire: () => listener?.(),
    listen(next) {
      listener = next;
    },
  };
}
