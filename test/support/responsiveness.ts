import { request } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { http, type Reply } from './http.js';

/**
 * What a test calls a stall. The speed targets (event-loop delay p99 under 50–100 ms while hostile input is
 * refused) are benchmark figures: `npm run bench` (bench/hostile.ts) measures them over the check pool and over
 * HTTP, with their baseline in the same run. A test fails on what noise on a busy 2-core CI machine does not reach
 * but work held on the main thread does: the expression bomb checked on this thread, a quadratic scan of 1.8 MB, or
 * the 1 s check budget spent here each hold the loop for a second or more, which a /healthz probe in flight feels
 * whole.
 */
export const STALL_MS = { eventLoopDelayP99: 800, healthz: 800 } as const;

/** Fails when the server stalled while `what` ran: the slowest /healthz, then the event-loop delay p99. */
export function expectNoStall(measured: { healthz?: number[]; eventLoopDelayP99Ms: number }, what: string): void {
  const { healthz = [], eventLoopDelayP99Ms } = measured;
  if (healthz.length && Math.max(...healthz) >= STALL_MS.healthz) {
    throw new Error(`${what}: /healthz stalled, its slowest answer took ${Math.round(Math.max(...healthz))} ms (a stall is ${STALL_MS.healthz} ms; all: ${healthz.map(Math.round).join(', ').slice(0, 300)})`);
  }
  if (eventLoopDelayP99Ms >= STALL_MS.eventLoopDelayP99) {
    throw new Error(`${what}: the event loop stalled, delay p99 ${Math.round(eventLoopDelayP99Ms)} ms (a stall is ${STALL_MS.eventLoopDelayP99} ms)`);
  }
}

export interface Responsiveness<T> {
  result: T;
  /** How long each /healthz request took while the work ran, in ms. */
  healthz: number[];
  /** p99 of this thread's event-loop delay while the work ran, in ms. */
  eventLoopDelayP99Ms: number;
}

/**
 * Runs `work` (a hostile request) while asking `/healthz` on the same server again and again and measuring
 * the event-loop delay of this thread, which is also the server's: what anyone else would have felt.
 */
export async function whileServing<T>(serverUrl: string, work: () => Promise<T>): Promise<Responsiveness<T>> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const healthz: number[] = [];
  let done = false;
  const probing = (async () => {
    // at least one probe, however quick the refusal; then one every 20 ms or so until the work is done
    // (paced like a load balancer's checks: back-to-back probes would be the main load on this thread)
    do {
      const began = performance.now();
      const reply = await http('GET', `${serverUrl}/healthz`);
      if (reply.status !== 200) throw new Error(`/healthz answered ${reply.status} while a hostile request was refused`);
      healthz.push(performance.now() - began);
      if (!done) await new Promise((resolve) => setTimeout(resolve, 20));
    } while (!done);
  })();
  let result: T;
  try {
    result = await work();
  } finally {
    done = true;
    await probing;
    histogram.disable();
  }
  return { result, healthz, eventLoopDelayP99Ms: histogram.percentile(99) / 1e6 };
}

/**
 * Sends a body encoded beforehand, with node:http: the client's own work (stringifying and streaming a
 * 2 MB body through fetch) would otherwise weigh on the event loop being measured.
 */
export function sendEncoded(method: string, url: string, body: Buffer, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const type = res.headers['content-type'] ?? '';
        resolve({ status: res.statusCode ?? 0, type, text, json: type.includes('json') ? JSON.parse(text) : undefined });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
