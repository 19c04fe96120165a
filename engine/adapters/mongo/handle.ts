import mongoose from 'mongoose';
import { type Collection, type CollectionName, type Db, type Doc, type Filter, type Sort, fromDoc } from './helpers.js';

export interface MongoStoreOptions {
  /** Database name; defaults to the one in the URI (or MongoDB's default, `test`). */
  dbName?: string;
}

/** The connection the adapter's modules work on (opened by applyMigrations), with the find every list uses. */
export class MongoHandle {
  connection: mongoose.Connection | undefined;

  constructor(
    readonly uri: string,
    readonly options: MongoStoreOptions = {},
  ) {}

  get db(): Db {
    const db = this.connection?.db;
    if (!db) throw new Error('MongoStore is not initialized: call init() first');
    return db;
  }

  get open(): mongoose.Connection {
    if (!this.connection) throw new Error('MongoStore is not initialized: call init() first');
    return this.connection;
  }

  col(name: CollectionName): Collection {
    return this.db.collection<Doc>(name);
  }

  /** A sorted find with SQL's LIMIT/OFFSET meaning: limit 0 returns nothing, a negative limit means no limit. */
  async list<T>(name: CollectionName, filter: Filter, sort: Sort, limit = -1, offset = 0): Promise<T[]> {
    if (limit === 0) return [];
    const cursor = this.col(name).find(filter).sort(sort);
    if (offset > 0) cursor.skip(offset);
    // MongoDB's limit is a 64-bit integer; anything this large means "all" anyway
    if (limit > 0 && limit < 2 ** 31) cursor.limit(limit);
    return (await cursor.toArray()).map((doc) => fromDoc<T>(doc)!);
  }
}
