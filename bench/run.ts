import { cpus, loadavg } from 'node:os';
import { coreModule } from './core.js';
import { dashboardModule } from './dashboard.js';
import { emailModule } from './email.js';
import { httpModule } from './http.js';
import { memoryModule } from './memory.js';
import { workersModule } from './workers.js';
import { parseArgs, progress, type BenchModule, type BenchResult } from './common.js';

/**
 * npm run bench [-- --quick] [-- --json]: runs each measurement module in turn and prints one JSON object
 * with all their keys. Progress goes to stderr; with --json stdout holds the object only.
 * To add a measurement, write a module exporting a BenchModule and list it here.
 */
const modules: BenchModule[] = [coreModule, httpModule, memoryModule, emailModule, workersModule, dashboardModule];

/** Keys whose object values several modules contribute to. */
const MERGED_KEYS = new Set(['counts', 'notes']);

function merge(into: BenchResult, from: BenchResult): void {
  for (const [key, value] of Object.entries(from)) {
    if (MERGED_KEYS.has(key) && value && typeof value === 'object') {
      into[key] = { ...((into[key] as object | undefined) ?? {}), ...value };
    } else {
      if (key in into) throw new Error(`two benchmark modules report "${key}"`);
      into[key] = value;
    }
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  // Whatever a library might print must not reach stdout, which is reserved for the result.
  console.log = console.error;
  console.info = console.error;

  const result: BenchResult = {
    node_version: process.version,
    quick: options.quick,
    measured_at: new Date().toISOString(),
    // Other work on the machine skews wall-clock numbers; the load average at start tells whether it was busy.
    machine: { cpus: cpus().length, loadavg_1m_at_start: Math.round(loadavg()[0] * 100) / 100 },
  };
  const started = performance.now();
  for (const module of modules) {
    const t0 = performance.now();
    progress(`${module.name}: start`);
    merge(result, await module.run(options));
    progress(`${module.name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  result.duration_s = Math.round((performance.now() - started) / 100) / 10;

  const text = options.json ? JSON.stringify(result) : JSON.stringify(result, null, 2);
  process.stdout.write(`${text}\n`, () => process.exit(0));
}

main().catch((err) => {
  progress(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
