import { ProcessEngine } from '../engine/process-engine.js';
import { SqliteStore } from '../engine/adapters/sqlite/index.js';
import { FIXTURE_KEY, fixtureXml, progress, tempDir } from './common.js';

/**
 * Child process of the memory module (run with node --expose-gc --import tsx): starts `--count N`
 * instances that stay open at their user task, then prints {rss_mb, ...} as one JSON line on stdout.
 */

function mb(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}

function collect(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  for (let i = 0; i < 3; i += 1) gc();
  return true;
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--count');
  const count = at >= 0 ? Number(process.argv[at + 1]) : 10_000;
  if (!Number.isInteger(count) || count < 1) throw new Error('--count must be a positive whole number');

  const { dir, cleanup } = tempDir('rss');
  const store = new SqliteStore(`${dir}/imsflow.db`);
  await store.init();
  try {
    const imsflow = new ProcessEngine({ store });
    await imsflow.deploy(fixtureXml(), 'bench', 'benchmark fixture');
    // Warm the compile cache and the code paths before the baseline.
    await imsflow.start(FIXTURE_KEY, { variables: {} }, 'bench');
    const gcAvailable = collect();
    const baseline = process.memoryUsage();

    let open = 0;
    for (let i = 1; i <= count; i += 1) {
      const started = await imsflow.start(FIXTURE_KEY, { variables: { title: `open instance ${i}` } }, 'bench');
      if (started.status === 'running') open += 1;
      if (i % 2000 === 0) progress(`rss: ${i}/${count} instances open`);
    }
    collect();
    const after = process.memoryUsage();

    process.stdout.write(
      `${JSON.stringify({
        open_instances: open,
        rss_mb: mb(after.rss),
        rss_mb_baseline: mb(baseline.rss),
        heap_used_mb: mb(after.heapUsed),
        gc: gcAvailable,
      })}\n`,
    );
  } finally {
    await store.close();
    cleanup();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
