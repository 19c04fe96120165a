import { rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../engine/adapters/sqlite/index.js';
import type { Store } from '../../engine/ports/store.js';
import { everyPortContract } from './index.js';

everyPortContract('sqlite (:memory:)', async () => new SqliteStore(':memory:'));

const files = new WeakMap<Store, string>();

everyPortContract(
  'sqlite (WAL file)',
  async () => {
    const file = join(tmpdir(), `imsflow-store-${randomUUID()}.db`);
    const store = new SqliteStore(file);
    files.set(store, file);
    // init here as well: the contract calls it again, which must be harmless on a real file
    await store.init();
    return store;
  },
  async (store) => {
    await store.close();
    const file = files.get(store);
    if (file) for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(file + suffix, { force: true });
  },
);
