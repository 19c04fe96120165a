export { SqliteStore } from '../adapters/sqlite/index.js';
