import { cpus, loadavg } from 'node:os';
import { coreModule } from './core.js';
import { dashboardModule } from './dashboard.js';
import { documentsModule } from './documents.js';
import { registerModule } from './register.js';
import { emailModule } from './email.js';
import { hostileTextModule } from './hostile-text.js';
import { httpModule } from './http.js';
import { memoryModule } from './memory.js';
import { workersModule } from './workers.js';
import { buildUi, bundleSizes, MODELER_BUDGET_KIB } from '../modeler/build.js';
import { scalingModule } from './scaling.js';
import { hostileModule } from './hostile.js';
import { hostileHttpModule } from './hostile-http.js';
import { parseArgs, progress, type BenchModule, type BenchResult } from './common.js';

/**
 * npm run bench [-- --quick] [-- --json] [-- --only=scaling,workers]: runs each measurement module in turn and prints one JSON object
 * with all their keys. Progress goes to stderr; with --json stdout holds the object only.
 * To add a measurement, write a module exporting a BenchModule and list it here.
 */
/**
 * The browser bundles as the server builds them: `modeler_bundle_kib` is the editor page's JavaScript
 * (minified; the PDF export is a separate bundle loaded on demand), against its budget; every bundle's
 * size is listed too, with the build time.
 */
const modelerBundleModule: BenchModule = {
  name: 'modeler bundle',
  async run() {
    const bundle = await buildUi();
    const kib = bundleSizes(bundle);
    return {
      modeler_bundle_kib: kib['modeler.js'],
      modeler_bundle_budget_kib: MODELER_BUDGET_KIB,
      browser_bundles_kib: kib,
      browser_bundles_build_ms: Math.round(bundle.ms),
    };
  },
};

const modules: BenchModule[] = [coreModule, httpModule, memoryModule, emailModule, workersModule, modelerBundleModule, hostileModule, hostileHttpModule, hostileTextModule, scalingModule, dashboardModule, registerModule, documentsModule];

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
  // --only=scaling,workers: just those modules (to re-measure one part without the rest)
  const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
  const started = performance.now();
  for (const module of modules.filter((m) => !only || only.includes(m.name))) {
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
