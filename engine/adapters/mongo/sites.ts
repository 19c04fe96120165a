import type { SiteRecord } from '../../kernel/site.js';
import type { MongoHandle } from './handle.js';
import { fromDoc } from './helpers.js';

/** The site register (engine/ports/site-store.ts): one document per site, `_id` its key. */

export async function getSite(h: MongoHandle, key: string): Promise<SiteRecord | undefined> {
  return fromDoc(await h.col('sites').findOne({ _id: key }));
}

export async function listSites(h: MongoHandle): Promise<SiteRecord[]> {
  return h.list('sites', {}, { _id: 1 });
}
