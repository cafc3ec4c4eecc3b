// Where the log lines go (stdout, and the few words for stderr): a stream that drops lines rather than
// block the process. The reader of stdout is another process (a log shipper, a process manager, `tee`): if
// it stops reading, the lines wait in a bounded buffer, then are dropped; if it goes away, they are dropped
// at once. Either way the service goes on answering, and a shutdown is never held by its logs. pino's own
// destination (sonic-boom) retries a failed write every 100 ms for ever, on the event loop.

export interface LogOutput {
  /** Takes one line, or drops it: never waits, never throws. */
  write(line: string): void;
  /** Lines dropped so far (log_lines_dropped_total). */
  dropped(): number;
  /** Resolves when what was taken is written, or after `timeoutMs`, whichever comes first. */
  flush(timeoutMs: number): Promise<void>;
}

export interface LogOutputOptions {
  /** What may wait for a slow reader before lines are dropped. */
  maxBufferedBytes?: number;
  /** Told once, at the first line dropped, why. */
  onFirstDrop?: (reason: string) => void;
}

const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * Over a pipe or a socket, Node writes without blocking and keeps what the reader has not taken in memory:
 * that is what is bounded here. (Over a file the kernel takes every write at once; a terminal that is
 * paused would block, which only matters in development.)
 */
export function createLogOutput(
  stream: NodeJS.WritableStream & { writableLength: number },
  options: LogOutputOptions = {},
): LogOutput {
  const { maxBufferedBytes = MAX_BUFFERED_BYTES, onFirstDrop } = options;
  let broken: string | undefined;
  let dropped = 0;

  const drop = (reason: string) => {
    dropped++;
    if (dropped === 1) onFirstDrop?.(reason);
  };
  // EPIPE, ECONNRESET: the reader is gone. Unheard, the error would end the process.
  stream.on('error', (error: NodeJS.ErrnoException) => {
    broken ??= `the reader went away (${error.code ?? error.message})`;
  });

  return {
    write(line) {
      // A stream ended or destroyed without an error (its owner closed it) is gone all the same.
      if (broken === undefined && !stream.writable) broken = 'the output is closed';
      if (broken !== undefined) return drop(broken);
      if (stream.writableLength + line.length > maxBufferedBytes)
        return drop(`the reader is not reading (${maxBufferedBytes} bytes waiting)`);
      try {
        stream.write(line);
      } catch (error) {
        broken ??= `writing failed (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
        drop(broken);
      }
    },
    dropped: () => dropped,
    flush(timeoutMs) {
      if (broken !== undefined || stream.writableLength === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          stream.off('drain', done);
          stream.off('error', done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        stream.once('drain', done);
        stream.once('error', done);
      });
    },
  };
}
