import type Database from 'better-sqlite3';
import { prepare } from './statements.js';

/** The open file the adapter's modules work on: the connection, its fixed statements, and a cache of the rest. */
export class SqliteHandle {
  statements!: ReturnType<typeof prepare>;
  /** Prepared statements for queries built from filters, one per distinct SQL text. */
  readonly queries = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  /** Prepares the fixed statements; call once the schema is migrated. */
  prepareStatements(): void {
    this.statements = prepare(this);
  }

  query(sql: string): Database.Statement {
    let statement = this.queries.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.queries.set(sql, statement);
    }
    return statement;
  }
}
