export { MongoStore, type MongoStoreOptions } from '../adapters/mongo/index.js';
