/**
 * The site register's port: the plants of the installation, by key. Invariant: a site changes by
 * compare-and-swap on its revision (through commit); a key is never taken twice. test/contracts/site-store/
 * pins it.
 */
import type { SiteRecord } from '../kernel/site.js';

export interface SiteStore {
  getSite(key: string): Promise<SiteRecord | undefined>;
  /** Every site, active or not, by key. */
  listSites(): Promise<SiteRecord[]>;
}
