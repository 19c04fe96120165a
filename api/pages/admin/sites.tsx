/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import express, { type Request, type Response } from 'express';
import type { SiteInput } from '../../../engine/features/sites/index.js';
import { ConflictError } from '../../../engine/kernel/errors.js';
import type { SiteRecord } from '../../../engine/kernel/site.js';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import { localeChoices, localeName, placeOf, zoneGroups } from '../account/choices.js';
import { str, type Viewer } from '../basics.js';
import { CsrfField, describedBy, Field, TextField } from '../components/Form.js';
import { Notice } from '../components/Notice.js';
import { useReader } from '../reader.js';
import { sendDocument } from '../render.js';
import { requireCsrf, requireSignIn, viewerOf } from '../session.js';
import { adminForm, AdminShell, AdminTable, Problems, refusedFields, requireAdmin } from './parts.js';

/**
 * The site register (/admin/sites): every site with its name, language and clock, active or not; a new
 * site; a site's changes, deactivating it with a reason. engine/features/sites/ checks and audits each.
 */

interface SiteValues {
  key: string;
  name: string;
  locale: string;
  timeZone: string;
  active: boolean;
  reason: string;
}

const FIELDS = ['key', 'name', 'locale', 'timeZone', 'reason'] as const;
const fieldId = (field: string) => (field === 'keyTaken' ? 'site-key' : `site-${(FIELDS as readonly string[]).includes(field) ? field : 'name'}`);
const errorKey = (field: string) => (field === 'keyTaken' || (FIELDS as readonly string[]).includes(field) ? field : 'name');

function SitesPage({ viewer, sites, values, errors, notice }: { viewer: Viewer; sites: SiteRecord[]; values: SiteValues; errors: string[]; notice?: string }) {
  const { t } = useReader();
  const columns = ['name', 'key', 'language', 'zone', 'status'].map((c) => ({ label: t(`admin.sites.column.${c}`) }));
  return (
    <AdminShell title={t('admin.sites.title')} viewer={viewer}>
      <Problems fields={errors} words={(field) => ({ id: fieldId(field), message: t(`admin.sites.error.${errorKey(field)}`) })} />
      {notice ? (
        <Notice kind="status">
          <p>{t('admin.sites.createdNotice', { name: notice })}</p>
        </Notice>
      ) : null}
      <p>{t('admin.sites.intro')}</p>
      {sites.length ? (
        <AdminTable
          caption={t('admin.sites.title')}
          columns={columns}
          rows={sites.map((s) => [
            <a class="usa-link" href={`/admin/sites/${s.key}`}>
              {s.name}
            </a>,
            s.key,
            localeName(s.locale),
            placeOf(s.timeZone),
            s.active ? t('admin.sites.active') : t('admin.sites.inactive'),
          ])}
        />
      ) : (
        <p>{t('admin.sites.none')}</p>
      )}
      <h2 id="new-site">{t('admin.sites.newHeading')}</h2>
      <SiteForm viewer={viewer} values={values} errors={errors} />
    </AdminShell>
  );
}

function SiteForm({ viewer, values, errors, existing }: { viewer: Viewer; values: SiteValues; errors: string[]; existing?: SiteRecord }) {
  const { t } = useReader();
  const error = (field: string) => (errors.includes(field) ? t(`admin.sites.error.${field}`) : field === 'key' && errors.includes('keyTaken') ? t('admin.sites.error.keyTaken') : undefined);
  return (
    <form class="usa-form usa-form--large" method="post" action={existing ? `/admin/sites/${existing.key}` : '/admin/sites'}>
      <CsrfField token={viewer.csrf} />
      {existing ? null : <TextField id="site-key" name="key" label={t('admin.sites.key')} hint={t('admin.sites.keyHint')} value={values.key} required error={error('key')} />}
      <TextField id="site-name" name="name" label={t('admin.sites.name')} hint={t('admin.sites.nameHint')} value={values.name} required error={error('name')} />
      <Field id="site-locale" label={t('admin.sites.language')} error={error('locale')}>
        <select class="usa-select" id="site-locale" name="locale" {...describedBy('site-locale', { error: error('locale') })}>
          {localeChoices(values.locale).map((tag) => (
            <option key={tag} value={tag} lang={tag} selected={values.locale === tag}>
              {localeName(tag)}
            </option>
          ))}
        </select>
      </Field>
      <Field id="site-timeZone" label={t('admin.sites.zone')} error={error('timeZone')}>
        <select class="usa-select" id="site-timeZone" name="timeZone" {...describedBy('site-timeZone', { error: error('timeZone') })}>
          {zoneGroups(values.timeZone).map((group) => (
            <optgroup key={group.region} label={t(`account.region.${group.region}`)}>
              {group.zones.map((zone) => (
                <option key={zone} value={zone} selected={values.timeZone === zone}>
                  {zone === 'UTC' ? t('account.utc') : placeOf(zone)}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </Field>
      {existing ? (
        <>
          <div class="usa-checkbox margin-top-3">
            <input class="usa-checkbox__input" type="checkbox" id="site-active" name="active" value="1" checked={values.active} />
            <label class="usa-checkbox__label" for="site-active">
              {t('admin.sites.activeChoice')}
            </label>
          </div>
          <TextField id="site-reason" name="reason" label={t('admin.sites.reason')} hint={t('admin.sites.reasonHint')} value={values.reason} error={error('reason')} />
        </>
      ) : null}
      <button type="submit" class="usa-button margin-top-3">
        {existing ? t('admin.sites.save') : t('admin.sites.create')}
      </button>
    </form>
  );
}

function SitePage({ viewer, site, values, errors, saved }: { viewer: Viewer; site: SiteRecord; values: SiteValues; errors: string[]; saved: boolean }) {
  const { t } = useReader();
  return (
    <AdminShell title={site.name} viewer={viewer}>
      <p>
        <a class="usa-link" href="/admin/sites">
          {t('admin.sites.all')}
        </a>
      </p>
      <Problems fields={errors} words={(field) => ({ id: fieldId(field), message: t(`admin.sites.error.${errorKey(field)}`) })} />
      {saved ? (
        <Notice kind="status">
          <p>{t('admin.sites.savedNotice')}</p>
        </Notice>
      ) : null}
      <dl class="ims-facts">
        <dt>{t('admin.sites.column.key')}</dt>
        <dd>{site.key}</dd>
        <dt>{t('admin.sites.column.status')}</dt>
        <dd>{site.active ? t('admin.sites.active') : t('admin.sites.inactive')}</dd>
      </dl>
      <p class="usa-hint">{t('admin.sites.keyFixed')}</p>
      <SiteForm viewer={viewer} values={values} errors={errors} existing={site} />
    </AdminShell>
  );
}

const EMPTY: SiteValues = { key: '', name: '', locale: 'en-GB', timeZone: 'UTC', active: true, reason: '' };

export function sitePages(imsflow: ProcessEngine): express.Router {
  const router = express.Router();
  const guard = [requireSignIn, requireAdmin];
  const register = imsflow.commands.sites;
  const posted = (req: Request): SiteValues => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    return { key: str(body.key).trim(), name: str(body.name).trim(), locale: str(body.locale), timeZone: str(body.timeZone), active: str(body.active) === '1', reason: str(body.reason).trim() };
  };
  const input = (v: SiteValues): SiteInput => ({ name: v.name, locale: v.locale, timeZone: v.timeZone, active: v.active, ...(v.reason && { reason: v.reason }) });
  const list = async (req: Request, res: Response, status: number, values: SiteValues, errors: string[], notice?: string) => {
    sendDocument(res, status, <SitesPage viewer={viewerOf(req)} sites={await register.list()} values={values} errors={errors} notice={notice} />);
  };

  router.get('/admin/sites', ...guard, async (req, res) => {
    const created = str(req.query.created);
    const site = created ? (await register.list()).find((s) => s.key === created) : undefined;
    await list(req, res, 200, EMPTY, [], site?.name);
  });

  router.post('/admin/sites', ...guard, adminForm, async (req, res) => {
    await requireCsrf(req, res);
    const values = posted(req);
    try {
      await register.create(values.key, { ...input(values), active: true }, viewerOf(req).user);
    } catch (err) {
      return list(req, res, 400, values, err instanceof ConflictError ? ['keyTaken'] : refusedFields(err));
    }
    res.redirect(303, `/admin/sites?created=${encodeURIComponent(values.key)}`);
  });

  router.get('/admin/sites/:key', ...guard, async (req, res) => {
    const site = await register.get(String(req.params.key));
    sendDocument(res, 200, <SitePage viewer={viewerOf(req)} site={site} values={{ ...site, reason: '' }} errors={[]} saved={str(req.query.saved) === '1'} />);
  });

  router.post('/admin/sites/:key', ...guard, adminForm, async (req, res) => {
    await requireCsrf(req, res);
    const site = await register.get(String(req.params.key));
    const values = { ...posted(req), key: site.key };
    try {
      await register.update(site.key, input(values), viewerOf(req).user);
    } catch (err) {
      return sendDocument(res, 400, <SitePage viewer={viewerOf(req)} site={site} values={values} errors={refusedFields(err)} saved={false} />);
    }
    res.redirect(303, `/admin/sites/${encodeURIComponent(site.key)}?saved=1`);
  });

  return router;
}
