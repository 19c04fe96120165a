import type { Clock } from '../../kernel/clock.js';
import { auditEvent } from '../../kernel/audit-event.js';
import { ConflictError, NotFoundError, NotPermittedError, ValidationError, type FieldError } from '../../kernel/errors.js';
import { canonicalLocale, isTimeZone, type ReaderDefaults } from '../../kernel/i18n/index.js';
import type { UserRecord } from '../../kernel/model.js';
import type { SiteRecord } from '../../kernel/site.js';
import type { Store } from '../../ports/store.js';

/**
 * The site register. Records, people and schedules carry a site's key; people read its name. A site's
 * locale and time zone are what its people read in unless they chose their own: the register keeps the
 * reader defaults it is handed (the installation's, from IMSFLOW_SITES at first) in step with it, in this
 * process. Seeded from IMSFLOW_SITES at start (a key configured and not yet registered is added; a
 * registered one is left as the register has it), so existing configuration keeps working. Every change is
 * one commit with its audit event; only admins change the register.
 */

/** What a site says (its audit trail's old → new). */
export type SiteFacts = Pick<SiteRecord, 'name' | 'locale' | 'timeZone' | 'active'>;

export interface SiteInput {
  name: string;
  locale: string;
  timeZone: string;
  active?: boolean;
  /** Why: goes into the audit trail; required to deactivate. */
  reason?: string;
}

/** Who changes the register. */
type Changer = Pick<UserRecord, 'id' | 'roles'>;

const KEY = /^[A-Za-z0-9][\w.-]{0,63}$/;

export function siteFacts(site: SiteRecord): SiteFacts {
  return { name: site.name, locale: site.locale, timeZone: site.timeZone, active: site.active };
}

/** A site's name for people: the register's name, else its key (a site on a record but not registered). */
export function siteName(sites: readonly Pick<SiteRecord, 'key' | 'name'>[], key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  return sites.find((site) => site.key === key)?.name ?? key;
}

export class SiteRegister {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    /** The reader defaults whose per-site locale and zone follow the register (shared with the pages and mail). */
    private readonly readers?: ReaderDefaults,
  ) {}

  list(): Promise<SiteRecord[]> {
    return this.store.listSites();
  }

  async get(key: string): Promise<SiteRecord> {
    const site = await this.store.getSite(key);
    if (!site) throw new NotFoundError(`no site ${key}`);
    return site;
  }

  /** Registers a new site. */
  async create(key: string, input: SiteInput, by: Changer): Promise<SiteRecord> {
    this.mayChange(by);
    const fields = checkInput(input);
    if (typeof key !== 'string' || !KEY.test(key)) fields.unshift({ field: 'key', message: 'a key of 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit' });
    if (fields.length) throw new ValidationError('invalid site', fields);
    if (await this.store.getSite(key)) throw new ConflictError(`site ${key} exists already`);
    const record: SiteRecord = { key, ...normalised(input), active: input.active ?? true, createdAt: this.now(), createdBy: by.id, revision: 0 };
    await this.store.commit({
      sites: [{ record, expectedRevision: null }],
      audit: [auditEvent(this.clock, { actor: by.id, action: 'site.created', target: `site:${key}`, new: siteFacts(record), reason: input.reason?.trim() || undefined })],
    });
    this.follow(record);
    return record;
  }

  /** Changes a site's name, defaults or active flag (compare-and-swap on its revision). */
  async update(key: string, input: SiteInput, by: Changer): Promise<SiteRecord> {
    this.mayChange(by);
    const fields = checkInput(input);
    const existing = await this.get(key);
    const active = input.active ?? existing.active;
    const reason = input.reason?.trim();
    if (existing.active && !active && !reason) fields.push({ field: 'reason', message: `say why site ${existing.name} is deactivated` });
    if (fields.length) throw new ValidationError('invalid site', fields);
    const record: SiteRecord = { ...existing, ...normalised(input), active, updatedAt: this.now(), revision: existing.revision + 1 };
    const action = existing.active === active ? 'site.updated' : active ? 'site.reactivated' : 'site.deactivated';
    await this.store.commit({
      sites: [{ record, expectedRevision: existing.revision }],
      audit: [auditEvent(this.clock, { actor: by.id, action, target: `site:${key}`, old: siteFacts(existing), new: siteFacts(record), reason: reason || undefined })],
    });
    this.follow(record);
    return record;
  }

  /** Deactivates a site, with a reason: it stays in the register, so its records keep its name. */
  async deactivate(key: string, reason: string, by: Changer): Promise<SiteRecord> {
    const site = await this.get(key);
    return this.update(key, { ...siteFacts(site), active: false, reason }, by);
  }

  /**
   * At start: registers the configured sites (IMSFLOW_SITES) not yet in the register, each audited as the
   * configuration's doing, then has the reader defaults follow the register.
   */
  async seed(configured: ReaderDefaults['sites']): Promise<SiteRecord[]> {
    const known = new Set((await this.store.listSites()).map((site) => site.key));
    const added: SiteRecord[] = [];
    for (const [key, { locale, timeZone }] of Object.entries(configured)) {
      if (known.has(key)) continue;
      const record: SiteRecord = { key, name: key.charAt(0).toUpperCase() + key.slice(1), locale, timeZone, active: true, createdAt: this.now(), createdBy: 'configuration', revision: 0 };
      try {
        await this.store.commit({
          sites: [{ record, expectedRevision: null }],
          audit: [auditEvent(this.clock, { actor: 'configuration', action: 'site.created', target: `site:${key}`, new: siteFacts(record), reason: 'configured in IMSFLOW_SITES' })],
        });
        added.push(record);
      } catch (err) {
        // another process seeded it at the same start
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    for (const site of await this.store.listSites()) this.follow(site);
    return added;
  }

  private follow(site: SiteRecord): void {
    if (this.readers) this.readers.sites[site.key] = { locale: site.locale, timeZone: site.timeZone };
  }

  private mayChange(by: Changer): void {
    if (!by.roles.includes('admin')) throw new NotPermittedError('only an administrator changes the site register');
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

function checkInput(input: SiteInput): FieldError[] {
  const fields: FieldError[] = [];
  if (typeof input.name !== 'string' || !input.name.trim() || input.name.trim().length > 100) fields.push({ field: 'name', message: 'give the site a name people know it by (1–100 characters)' });
  if (typeof input.locale !== 'string' || !canonicalLocale(input.locale)) fields.push({ field: 'locale', message: 'a locale in a language imsflow speaks, e.g. en-IE, de-CH or fr-FR' });
  if (typeof input.timeZone !== 'string' || !isTimeZone(input.timeZone)) fields.push({ field: 'timeZone', message: 'an IANA time zone such as Europe/Zurich' });
  if (input.reason !== undefined && (typeof input.reason !== 'string' || input.reason.length > 2000)) fields.push({ field: 'reason', message: 'at most 2000 characters' });
  return fields;
}

function normalised(input: SiteInput): Pick<SiteRecord, 'name' | 'locale' | 'timeZone'> {
  return { name: input.name.trim(), locale: canonicalLocale(input.locale)!, timeZone: input.timeZone };
}
