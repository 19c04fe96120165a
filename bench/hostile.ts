import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CheckPool } from '../engine/kernel/bpmn/check-pool.js';
import { registerImsServices } from '../processes/index.js';
import { shippedCatalogue, shippedPacks, shippedProcesses } from '../processes/index.js';
import { packFieldTypes } from '../engine/packs.js';
import { hostileCorpus } from '../test/fixtures/hostile/generate.js';
import { progress, round, type BenchModule } from './common.js';

/**
 * Hostile definitions (test/fixtures/hostile/generate.ts) checked through the server's worker pool with its
 * default budget: `validate_worst_ms` is the slowest time until one is refused (target < 2000), and
 * `event_loop_delay_p99_ms_during_hostile` the main thread's event-loop delay p99 meanwhile (target < 50),
 * against `event_loop_delay_p99_ms_baseline`, measured the same way while the shipped processes are checked.
 */
export const hostileModule: BenchModule = {
  name: 'hostile',
  async run(options) {
    const services = registerImsServices({ catalogue: shippedCatalogue() }).names();
    const fieldTypes = new Set(packFieldTypes(shippedPacks).map((type) => type.type));
    const shipped = shippedProcesses();
    const corpus = hostileCorpus();
    const pool = new CheckPool();
    try {
      await pool.check(shipped[0]!.xml, { services, fieldTypes }); // a thread started, as on a server that has been up a while

      const rounds = options.quick ? 2 : 5;
      const baseline = await withEventLoopDelay(async () => {
        for (let i = 0; i < rounds; i += 1) for (const { xml } of shipped) await pool.check(xml, { services, fieldTypes });
      });
      progress(`hostile: baseline (${rounds} x ${shipped.length} shipped processes) p99 ${round(baseline.p99Ms)} ms`);

      const refusedMs: Record<string, number> = {};
      const refusals: Record<string, string> = {};
      const hostile = await withEventLoopDelay(async () => {
        for (const { name, xml } of corpus) {
          const began = performance.now();
          const outcome = await pool.check(xml, { services }).then(
            (result) => (result.problems.length ? `refused: ${result.problems[0]!.element}: ${result.problems[0]!.message}` : 'ACCEPTED'),
            (err: Error) => `refused (${err.name}): ${err.message}`,
          );
          refusedMs[name] = Math.round(performance.now() - began);
          refusals[name] = outcome.slice(0, 160);
          progress(`hostile: ${name} ${refusedMs[name]} ms — ${refusals[name]}`);
        }
      });
      const worst = Object.entries(refusedMs).sort((a, b) => b[1] - a[1])[0]!;
      return {
        validate_worst_ms: worst[1],
        validate_worst_definition: worst[0],
        validate_ms_by_definition: refusedMs,
        validate_all_refused: Object.values(refusals).every((r) => r.startsWith('refused')),
        validate_budget_ms: pool.timeoutMs,
        event_loop_delay_p99_ms_during_hostile: round(hostile.p99Ms),
        event_loop_delay_max_ms_during_hostile: round(hostile.maxMs),
        event_loop_delay_p99_ms_baseline: round(baseline.p99Ms),
        notes: { hostile: 'validate_*: each definition of test/fixtures/hostile/generate.ts through the server\'s check pool (worker thread, default budget), time until refused; event-loop delay of the main thread (monitorEventLoopDelay, 10 ms resolution) while they were refused, and while the shipped processes were checked (baseline)' },
      };
    } finally {
      await pool.close();
    }
  },
};

async function withEventLoopDelay(work: () => Promise<void>): Promise<{ p99Ms: number; maxMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    await work();
  } finally {
    histogram.disable();
  }
  return { p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 };
}
