import { SqliteStore } from '../adapters/sqlite/index.js';
import type { Store } from '../ports/store.js';
import { withoutPassword, type Config } from './config.js';

/**
 * The store the configuration names (IMSFLOW_STORE): the SQLite file in the data folder, or MongoDB
 * (loaded only then, so the embedded default does not load the MongoDB driver). Not yet initialized.
 * SQLite is imported statically: under mocha's tsx loader a dynamic import makes a second copy of the
 * engine's modules, whose error classes then fail `instanceof` (a duplicate answered 500 instead of 409).
 */
export async function createStore(config: Pick<Config, 'store'>): Promise<Store> {
  if (config.store.kind === 'mongodb') {
    const { MongoStore } = await import('../adapters/mongo/index.js');
    return new MongoStore(config.store.uri);
  }
  return new SqliteStore(config.store.file);
}

/** Where the store is, for logs and messages: the SQLite file, or the MongoDB address without its password. */
export function storeLocation(config: Pick<Config, 'store'>): string {
  return config.store.kind === 'mongodb' ? withoutPassword(config.store.uri) : config.store.file;
}
