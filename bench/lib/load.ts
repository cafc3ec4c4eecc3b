// Load from the benchmark process, on loopback only, bounded in time: autocannon for throughput and
// latency percentiles; a plain client for the interleaved timing pairs and for sequences whose next request
// depends on the last answer (a renewed session cookie).
import http from 'node:http';
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
          ? [
              {
                setupRequest: (request) => ({ ...request, headers: { ...request.headers, ...options.varyHeaders!() } }),
              },
            ]
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

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

// Kept-alive connections, and node:http rather than fetch: on two cores the client shares the machine with
// the service it measures, and fetch costs it about 1 ms more CPU per request (section 7 of BENCHMARKS.md).
const agent = new http.Agent({ keepAlive: true });

export interface RequestOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

/** One request, answered in full; redirects are answers, not followed. */
export function request(url: string, init: RequestOptions = {}): Promise<Answer> {
  const body = init.body ?? '';
  return new Promise((resolve, reject) => {
    const sent = http.request(
      url,
      { method: init.method ?? 'GET', agent, headers: { ...init.headers, 'content-length': Buffer.byteLength(body) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
        response.on('error', reject);
      },
    );
    sent.on('error', reject);
    sent.end(body);
  });
}

/** One request, timed from the client's side, in milliseconds. */
export async function timed(url: string, init: RequestOptions): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const { status } = await request(url, init);
  return { ms: performance.now() - started, status };
}

let counter = 0;
/** A different client address for each request (the service believes X-Forwarded-For in the benchmark). */
export function nextClient(): Record<string, string> {
  counter++;
  return { 'x-forwarded-for': `10.${(counter >> 16) & 255}.${(counter >> 8) & 255}.${counter & 255}` };
}
