/**
 * A site (a plant) in the site register: its key is what records, people and schedules carry; its name is
 * what people read. Its locale and time zone are what its people read in unless they chose their own.
 * Seeded from IMSFLOW_SITES at start; changed through the register (engine/features/sites/).
 */
export interface SiteRecord {
  key: string;
  name: string;
  locale: string;
  timeZone: string;
  /** An inactive site is kept (its records keep its name) but offered for nothing new. */
  active: boolean;
  createdAt: string;
  createdBy: string;
  updatedAt?: string;
  revision: number;
}
