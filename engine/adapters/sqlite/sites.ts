import type { SiteRecord } from '../../kernel/site.js';
import type { SqliteHandle } from './handle.js';
import { parseDoc, parseDocs } from './helpers.js';

/** The site register (engine/ports/site-store.ts). */

export async function getSite(h: SqliteHandle, key: string): Promise<SiteRecord | undefined> {
  return parseDoc(h.query('SELECT doc FROM sites WHERE key = ?').get(key));
}

export async function listSites(h: SqliteHandle): Promise<SiteRecord[]> {
  return parseDocs(h.query('SELECT doc FROM sites ORDER BY key').all());
}
