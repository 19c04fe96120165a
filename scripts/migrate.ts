import { configOrExit } from '../engine/boot/lifecycle.js';
import { createStore, storeLocation } from '../engine/boot/store.js';

/**
 * `npm run migrate`: brings the configured store's schema up to date (SQLite: pending migrations;
 * MongoDB: missing collections and indexes) and prints what ran. Idempotent: a second run prints that
 * nothing was to do. The API and workers migrate on start as well; run this before rolling out a new
 * version to many processes, so none of them starts on a half-migrated store.
 */
async function main(): Promise<number> {
  const config = configOrExit();
  const store = await createStore(config);
  try {
    const report = await store.applyMigrations();
    console.log(`imsflow migrate: ${report.store} at ${storeLocation(config)}`);
    for (const step of report.ran) console.log(`  ran ${step}`);
    console.log(report.ran.length ? `done: ${report.ran.length} step(s) ran; schema ${report.version}` : `nothing to do: schema ${report.version} is up to date`);
    return 0;
  } catch (err) {
    console.error(`imsflow migrate failed on ${storeLocation(config)}: ${(err as Error).message}`);
    return 1;
  } finally {
    await store.close().catch(() => undefined);
  }
}

process.exitCode = await main();
