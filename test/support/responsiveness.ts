import { monitorEventLoopDelay } from 'node:perf_hooks';
import { http } from './http.js';

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
    // at least one probe, however quick the refusal; then one after another until the work is done
    do {
      const began = performance.now();
      const reply = await http('GET', `${serverUrl}/healthz`);
      if (reply.status !== 200) throw new Error(`/healthz answered ${reply.status} while a hostile request was refused`);
      healthz.push(performance.now() - began);
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
