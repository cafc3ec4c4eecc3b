// Load from the benchmark process, on loopback only, bounded in time: autocannon for throughput and
// latency percentiles; a plain sequential client for the interleaved timing pairs.
import autocannon from 'autocannon';

export interface LoadResult {
  requestsPerSecond: number;
  /** How long the load actually ran. */
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  /** Answers by status code, e.g. { "303": 1200, "503": 40 }. */
  statuses: Record<string, number>;
  errors: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;

  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Per request: headers that vary (a client address per request, say). */
  varyHeaders?: () => Record<string, string>;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const statuses: Record<string, number> = {};
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSeconds,
        method: options.method ?? 'GET',
        headers: options.headers,
        body: options.body,
        requests: options.varyHeaders
          ? [{ setupRequest: (request) => ({ ...request, headers: { ...request.headers, ...options.varyHeaders!() } }) }]
          : undefined,
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('response', (_client, statusCode) => {
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
  });
  return {
    requestsPerSecond: result.requests.average,
    seconds: (performance.now() - started) / 1000,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    statuses,
    errors: result.errors + result.timeouts,
  };
}

/** One request, timed from the client's side, in milliseconds. */
export async function timed(url: string, init: RequestInit): Promise<{ ms: number; status: number; text: string }> {
  const started = performance.now();
  const response = await fetch(url, { ...init, redirect: 'manual' });
  const text = await response.text();
  return { ms: performance.now() - started, status: response.status, text };
}

let counter = 0;
/** A different client address for each request (the service believes X-Forwarded-For in the benchmark). */
export function nextClient(): Record<string, string> {
  counter++;
  return { 'x-forwarded-for': `10.${(counter >> 16) & 255}.${(counter >> 8) & 255}.${counter & 255}` };
}
