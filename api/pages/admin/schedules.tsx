/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import express, { type Request, type Response } from 'express';
import { nextOccurrence } from '../../../engine/features/scheduled-starts/index.js';
import { NotFoundError } from '../../../engine/kernel/errors.js';
import type { ScheduleRecord } from '../../../engine/kernel/model.js';
import type { SiteRecord } from '../../../engine/kernel/site.js';
import type { ProcessEngine } from '../../../engine/process-engine.js';
import { zoneGroups, placeOf } from '../account/choices.js';
import { str, type Viewer } from '../basics.js';
import { CsrfField, describedBy, Field, TextField } from '../components/Form.js';
import { Notice } from '../components/Notice.js';
import { useSiteName } from '../components/SiteName.js';
import { When } from '../components/Time.js';
import { useReader } from '../reader.js';
import { sendDocument } from '../render.js';
import { requireCsrf, requireSignIn, viewerOf } from '../session.js';
import { adminForm, AdminShell, AdminTable, Problems, refusedFields, requireAdmin } from './parts.js';

/**
 * Scheduled starts (/admin/schedules): each with its process by name, its rule, its site and its next run
 * on the reader's clock; new ones, changes, pausing and resuming, deleting. The scheduled-starts feature
 * saves each change with its audit event (schedule.created, .updated, .deleted).
 */

interface Process {
  key: string;
  name: string;
}

interface ScheduleValues {
  id: string;
  processKey: string;
  cron: string;
  timezone: string;
  site: string;
  enabled: boolean;
}

interface Choices {
  processes: Process[];
  sites: SiteRecord[];
  now: Date;
}

const FIELDS = ['id', 'processKey', 'cron', 'timezone', 'site'] as const;
const fieldId = (field: string) => (field === 'idTaken' ? 'schedule-id' : `schedule-${(FIELDS as readonly string[]).includes(field) ? field : 'cron'}`);
/** The message of a refused field: its own, or the rule's for anything the engine names otherwise. */
const errorKey = (field: string) => (field === 'idTaken' || (FIELDS as readonly string[]).includes(field) ? field : 'cron');

function nextRun(schedule: ScheduleRecord, now: Date): string | undefined {
  if (!schedule.enabled) return undefined;
  try {
    return nextOccurrence(schedule, now).toISOString();
  } catch {
    return undefined;
  }
}

function SchedulesPage({ viewer, schedules, choices, notice }: { viewer: Viewer; schedules: ScheduleRecord[]; choices: Choices; notice?: string }) {
  const { t } = useReader();
  const siteName = useSiteName();
  const processName = (key: string) => choices.processes.find((p) => p.key === key)?.name ?? key;
  const columns = ['name', 'process', 'rule', 'site', 'next', 'status'].map((c) => ({ label: t(`admin.schedules.column.${c}`) }));
  return (
    <AdminShell title={t('admin.schedules.title')} viewer={viewer}>
      {notice ? (
        <Notice kind="status">
          <p>{t(`admin.schedules.notice.${notice}`)}</p>
        </Notice>
      ) : null}
      <p>{t('admin.schedules.intro')}</p>
      <p>
        <a class="usa-button" href="/admin/schedules/new">
          {t('admin.schedules.new')}
        </a>
      </p>
      {schedules.length ? (
        <AdminTable
          caption={t('admin.schedules.title')}
          columns={columns}
          rows={schedules.map((s) => {
            const next = nextRun(s, choices.now);
            return [
              <a class="usa-link" href={`/admin/schedules/${s.id}`}>
                {s.id}
              </a>,
              processName(s.processKey),
              t('admin.schedules.ruleIn', { cron: s.cron, zone: s.timezone === 'UTC' ? t('admin.schedules.utc') : placeOf(s.timezone) }),
              s.site ? siteName(s.site) : t('admin.schedules.everySite'),
              next ? <When iso={next} /> : t('admin.schedules.noNext'),
              s.enabled ? t('admin.schedules.enabled') : t('admin.schedules.paused'),
            ];
          })}
        />
      ) : (
        <p>{t('admin.schedules.none')}</p>
      )}
    </AdminShell>
  );
}

function ScheduleForm({ viewer, values, errors, choices, existing }: { viewer: Viewer; values: ScheduleValues; errors: string[]; choices: Choices; existing?: ScheduleRecord }) {
  const { t } = useReader();
  const siteName = useSiteName();
  const error = (field: string) => (errors.includes(field) ? t(`admin.schedules.error.${field}`) : field === 'id' && errors.includes('idTaken') ? t('admin.schedules.error.idTaken') : undefined);
  const select = (field: string, label: string, options: [string, string][], hint?: string) => (
    <Field id={fieldId(field)} label={label} hint={hint} error={error(field)}>
      <select class="usa-select" id={fieldId(field)} name={field} {...describedBy(fieldId(field), { hint, error: error(field) })}>
        {options.map(([value, words]) => (
          <option key={value} value={value} selected={(values as unknown as Record<string, string>)[field] === value}>
            {words}
          </option>
        ))}
      </select>
    </Field>
  );
  const zones = zoneGroups(values.timezone).flatMap((g) => g.zones);
  return (
    <form class="usa-form usa-form--large" method="post" action={existing ? `/admin/schedules/${existing.id}` : '/admin/schedules'}>
      <CsrfField token={viewer.csrf} />
      {existing ? null : <TextField id="schedule-id" name="id" label={t('admin.schedules.id')} hint={t('admin.schedules.idHint')} value={values.id} required error={error('id')} />}
      {select('processKey', t('admin.schedules.process'), choices.processes.map((p): [string, string] => [p.key, p.name]))}
      <TextField id="schedule-cron" name="cron" label={t('admin.schedules.cron')} hint={t('admin.schedules.cronHint')} value={values.cron} required error={error('cron')} />
      {select('timezone', t('admin.schedules.timezone'), zones.map((z): [string, string] => [z, z === 'UTC' ? t('admin.schedules.utc') : placeOf(z)]))}
      {select('site', t('admin.schedules.site'), [['', t('admin.schedules.everySite')], ...choices.sites.filter((s) => s.active || s.key === values.site).map((s): [string, string] => [s.key, siteName(s.key)])])}
      <div class="usa-checkbox margin-top-3">
        <input class="usa-checkbox__input" type="checkbox" id="schedule-enabled" name="enabled" value="1" checked={values.enabled} />
        <label class="usa-checkbox__label" for="schedule-enabled">
          {t('admin.schedules.enabledChoice')}
        </label>
      </div>
      <button type="submit" class="usa-button margin-top-3">
        {existing ? t('admin.schedules.save') : t('admin.schedules.create')}
      </button>
    </form>
  );
}

function SchedulePage({ viewer, values, errors, choices, existing, saved }: { viewer: Viewer; values: ScheduleValues; errors: string[]; choices: Choices; existing?: ScheduleRecord; saved?: boolean }) {
  const { t } = useReader();
  const next = existing ? nextRun(existing, choices.now) : undefined;
  return (
    <AdminShell title={existing ? t('admin.schedules.editTitle', { name: existing.id }) : t('admin.schedules.newTitle')} viewer={viewer}>
      <p>
        <a class="usa-link" href="/admin/schedules">
          {t('admin.schedules.all')}
        </a>
      </p>
      <Problems fields={errors} words={(field) => ({ id: fieldId(field), message: t(`admin.schedules.error.${errorKey(field)}`) })} />
      {saved ? (
        <Notice kind="status">
          <p>{t('admin.schedules.notice.saved')}</p>
        </Notice>
      ) : null}
      {existing ? (
        <dl class="ims-facts">
          <dt>{t('admin.schedules.column.next')}</dt>
          <dd>{next ? <When iso={next} /> : t('admin.schedules.noNext')}</dd>
          <dt>{t('admin.schedules.column.status')}</dt>
          <dd>{existing.enabled ? t('admin.schedules.enabled') : t('admin.schedules.paused')}</dd>
        </dl>
      ) : null}
      <ScheduleForm viewer={viewer} values={values} errors={errors} choices={choices} existing={existing} />
      {existing ? (
        <>
          <h2>{existing.enabled ? t('admin.schedules.pauseHeading') : t('admin.schedules.resumeHeading')}</h2>
          <form method="post" action={`/admin/schedules/${existing.id}/${existing.enabled ? 'pause' : 'resume'}`}>
            <CsrfField token={viewer.csrf} />
            <button type="submit" class="usa-button usa-button--outline">
              {existing.enabled ? t('admin.schedules.pause') : t('admin.schedules.resume')}
            </button>
          </form>
          <h2>{t('admin.schedules.deleteHeading')}</h2>
          <p class="usa-hint">{t('admin.schedules.deleteHint')}</p>
          <form method="post" action={`/admin/schedules/${existing.id}/delete`}>
            <CsrfField token={viewer.csrf} />
            <button type="submit" class="usa-button usa-button--secondary">
              {t('admin.schedules.delete')}
            </button>
          </form>
        </>
      ) : null}
    </AdminShell>
  );
}

function valuesOf(s: ScheduleRecord): ScheduleValues {
  return { id: s.id, processKey: s.processKey, cron: s.cron, timezone: s.timezone, site: s.site ?? '', enabled: s.enabled };
}

export function schedulePages(imsflow: ProcessEngine): express.Router {
  const router = express.Router();
  const guard = [requireSignIn, requireAdmin];

  const choices = async (): Promise<Choices> => {
    const latest = new Map<string, Process>();
    for (const d of await imsflow.listDefinitions()) latest.set(d.key, { key: d.key, name: d.name || d.key });
    return { processes: [...latest.values()].sort((a, b) => a.name.localeCompare(b.name)), sites: await imsflow.queries.sites(), now: imsflow.clock.now() };
  };
  const find = async (id: string) => {
    const schedule = await imsflow.queries.findSchedule(id);
    if (!schedule) throw new NotFoundError(`no schedule ${id}`);
    return schedule;
  };
  const save = async (req: Request, res: Response, values: ScheduleValues, existing?: ScheduleRecord) => {
    const { user } = viewerOf(req);
    const known = await choices();
    const errors = known.processes.some((p) => p.key === values.processKey) ? [] : ['processKey'];
    if (!errors.length) {
      try {
        await imsflow.saveSchedule({ id: values.id, processKey: values.processKey, cron: values.cron, timezone: values.timezone || 'UTC', variables: existing?.variables ?? {}, ...(values.site && { site: values.site }), enabled: values.enabled, source: existing?.source ?? 'api' }, user.id);
        return res.redirect(303, `/admin/schedules/${values.id}?saved=1`);
      } catch (err) {
        errors.push(...refusedFields(err));
      }
    }
    sendDocument(res, 400, <SchedulePage viewer={viewerOf(req)} values={values} errors={errors} choices={known} existing={existing} />);
  };
  const posted = (req: Request, id?: string): ScheduleValues => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    return { id: id ?? str(body.id).trim(), processKey: str(body.processKey), cron: str(body.cron).trim(), timezone: str(body.timezone), site: str(body.site), enabled: str(body.enabled) === '1' };
  };

  router.get('/admin/schedules', ...guard, async (req, res) => {
    const notice = ['deleted', 'paused', 'resumed'].find((n) => str(req.query[n]) === '1');
    sendDocument(res, 200, <SchedulesPage viewer={viewerOf(req)} schedules={await imsflow.queries.schedules()} choices={await choices()} notice={notice} />);
  });

  router.get('/admin/schedules/new', ...guard, async (req, res) => {
    const known = await choices();
    const values = { id: '', processKey: known.processes[0]?.key ?? '', cron: '', timezone: 'UTC', site: '', enabled: true };
    sendDocument(res, 200, <SchedulePage viewer={viewerOf(req)} values={values} errors={[]} choices={known} />);
  });

  router.post('/admin/schedules', ...guard, adminForm, async (req, res) => {
    await requireCsrf(req, res);
    const values = posted(req);
    if (await imsflow.queries.findSchedule(values.id)) {
      return sendDocument(res, 400, <SchedulePage viewer={viewerOf(req)} values={values} errors={['idTaken']} choices={await choices()} />);
    }
    await save(req, res, values);
  });

  router.get('/admin/schedules/:id', ...guard, async (req, res) => {
    const schedule = await find(String(req.params.id));
    sendDocument(res, 200, <SchedulePage viewer={viewerOf(req)} values={valuesOf(schedule)} errors={[]} choices={await choices()} existing={schedule} saved={str(req.query.saved) === '1'} />);
  });

  router.post('/admin/schedules/:id', ...guard, adminForm, async (req, res) => {
    await requireCsrf(req, res);
    const existing = await find(String(req.params.id));
    await save(req, res, posted(req, existing.id), existing);
  });

  for (const [action, enabled] of [['pause', false], ['resume', true]] as const) {
    router.post(`/admin/schedules/:id/${action}`, ...guard, adminForm, async (req, res) => {
      await requireCsrf(req, res);
      const existing = await find(String(req.params.id));
      await imsflow.saveSchedule({ ...existing, enabled, source: existing.source }, viewerOf(req).user.id);
      res.redirect(303, `/admin/schedules?${enabled ? 'resumed' : 'paused'}=1`);
    });
  }

  router.post('/admin/schedules/:id/delete', ...guard, adminForm, async (req, res) => {
    await requireCsrf(req, res);
    await imsflow.deleteSchedule(String(req.params.id), viewerOf(req).user.id);
    res.redirect(303, '/admin/schedules?deleted=1');
  });

  return router;
}
