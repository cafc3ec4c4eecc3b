// "Not now": a request refused before it did anything, which may be sent again after retryAfterSeconds.
// The web layer answers 503 with Retry-After and the sentence of the reason.
export type UnavailableReason = 'busy' | 'database-unavailable';

export class TemporarilyUnavailable extends Error {
  readonly statusCode = 503;
  readonly reason: UnavailableReason;
  readonly retryAfterSeconds: number;

  constructor(reason: UnavailableReason, retryAfterSeconds: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
