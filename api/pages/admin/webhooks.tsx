/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import express, { type Request, type Response } from 'express';
import type { SubscriptionView, Webhooks } from '../../../engine/features/webhooks/index.js';
import { WEBHOOK_EVENTS, type WebhookDeliveryRecord } from '../../../engine/kernel/model.js';
import { str, type Viewer } from '../basics.js';
import { CsrfField, describedBy, TextField } from '../components/Form.js';
import { Notice } from '../components/Notice.js';
import { When } from '../components/Time.js';
import { useReader } from '../reader.js';
import { sendDocument } from '../render.js';
import { requireCsrf, requireSignIn, viewerOf } from '../session.js';
import { adminForm, AdminShell, AdminTable, Problems, refusedFields, requireAdmin, SecretOnce, strings } from './parts.js';

/**
 * Webhooks (/admin/webhooks): the subscriptions, a new one (its signing secret shown once), and per
 * subscription its settings, a new secret (with a reason, shown once), deleting it, and its delivery log in
 * words. The work and its audit events are the webhooks feature's (engine/features/webhooks/).
 */

type Delivery = Omit<WebhookDeliveryRecord, 'body'> & { nextAttemptAt?: string; gaveUp?: boolean };

interface WebhookValues {
  url: string;
  description: string;
  events: string[];
  active: boolean;
}

const FIELD_IDS: Record<string, string> = { url: 'webhook-url', events: 'webhook-events-first', description: 'webhook-description', reason: 'webhook-reason' };

function problemOf(t: (id: string) => string) {
  return (field: string) => ({ id: FIELD_IDS[field] ?? 'webhook-url', message: t(`admin.webhooks.error.${field in FIELD_IDS ? field : 'url'}`) });
}

function WebhookForm({ viewer, action, values, errors, submit }: { viewer: Viewer; action: string; values: WebhookValues; errors: string[]; submit: string }) {
  const { t } = useReader();
  const eventsError = errors.includes('events') ? t('admin.webhooks.error.events') : undefined;
  return (
    <form class="usa-form usa-form--large" method="post" action={action}>
      <CsrfField token={viewer.csrf} />
      <TextField id="webhook-url" name="url" label={t('admin.webhooks.url')} hint={t('admin.webhooks.urlHint')} value={values.url} required error={errors.includes('url') ? t('admin.webhooks.error.url') : undefined} />
      <TextField id="webhook-description" name="description" label={t('admin.webhooks.description')} value={values.description} error={errors.includes('description') ? t('admin.webhooks.error.description') : undefined} />
      <fieldset class={eventsError ? 'usa-fieldset usa-form-group usa-form-group--error' : 'usa-fieldset'} {...describedBy('webhook-events', { error: eventsError })}>
        <legend class="usa-legend">{t('admin.webhooks.events')}</legend>
        {eventsError ? (
          <span class="usa-error-message" id="webhook-events-error">
            {eventsError}
          </span>
        ) : null}
        {WEBHOOK_EVENTS.map((event, i) => (
          <div class="usa-checkbox" key={event}>
            <input class="usa-checkbox__input" type="checkbox" id={i === 0 ? 'webhook-events-first' : `webhook-event-${event}`} name="events" value={event} checked={values.events.includes(event)} />
            <label class="usa-checkbox__label" for={i === 0 ? 'webhook-events-first' : `webhook-event-${event}`}>
              {t(`admin.webhooks.event.${event}`)}
            </label>
          </div>
        ))}
      </fieldset>
      <div class="usa-checkbox margin-top-3">
        <input class="usa-checkbox__input" type="checkbox" id="webhook-active" name="active" value="1" checked={values.active} />
        <label class="usa-checkbox__label" for="webhook-active">
          {t('admin.webhooks.activeChoice')}
        </label>
      </div>
      <button type="submit" class="usa-button margin-top-3">
        {submit}
      </button>
    </form>
  );
}

function WebhooksPage({ viewer, items, deleted }: { viewer: Viewer; items: SubscriptionView[]; deleted: boolean }) {
  const { t } = useReader();
  const columns = ['url', 'events', 'status', 'created'].map((c) => ({ label: t(`admin.webhooks.column.${c}`) }));
  return (
    <AdminShell title={t('admin.webhooks.title')} viewer={viewer}>
      {deleted ? (
        <Notice kind="status">
          <p>{t('admin.webhooks.deletedNotice')}</p>
        </Notice>
      ) : null}
      <p>{t('admin.webhooks.intro')}</p>
      <p>
        <a class="usa-button" href="/admin/webhooks/new">
          {t('admin.webhooks.new')}
        </a>
      </p>
      {items.length ? (
        <AdminTable
          caption={t('admin.webhooks.title')}
          columns={columns}
          rows={items.map((w) => [
            <a class="usa-link" href={`/admin/webhooks/${w.id}`}>
              {w.description || <code>{w.url}</code>}
            </a>,
            w.events.map((e) => t(`admin.webhooks.event.${e}`)).join(', '),
            w.active ? t('admin.webhooks.active') : t('admin.webhooks.paused'),
            <When iso={w.createdAt} />,
          ])}
        />
      ) : (
        <p>{t('admin.webhooks.none')}</p>
      )}
    </AdminShell>
  );
}

function NewWebhookPage({ viewer, values, errors }: { viewer: Viewer; values: WebhookValues; errors: string[] }) {
  const { t } = useReader();
  return (
    <AdminShell title={t('admin.webhooks.newTitle')} viewer={viewer}>
      <Problems fields={errors} words={problemOf(t)} />
      <WebhookForm viewer={viewer} action="/admin/webhooks" values={values} errors={errors} submit={t('admin.webhooks.create')} />
    </AdminShell>
  );
}

interface WebhookState {
  subscription: SubscriptionView;
  deliveries: Delivery[];
  values: WebhookValues;
  errors: string[];
  secret?: string;
  saved?: boolean;
}

function deliveryOutcome(t: (id: string, values?: Record<string, unknown>) => string, d: Delivery): string {
  if (d.status === 'delivered') return t('admin.webhooks.delivery.delivered');
  if (d.status === 'pending') return t('admin.webhooks.delivery.pending');
  return d.gaveUp ? t('admin.webhooks.delivery.gaveUp') : t('admin.webhooks.delivery.failed');
}

function WebhookPage({ viewer, state }: { viewer: Viewer; state: WebhookState }) {
  const { t, number } = useReader();
  const { subscription: w, deliveries } = state;
  const columns = ['time', 'event', 'outcome', 'http', 'attempts', 'next'].map((c) => ({ label: t(`admin.webhooks.delivery.column.${c}`) }));
  return (
    <AdminShell title={w.description || t('admin.webhooks.untitled')} viewer={viewer}>
      <p>
        <a class="usa-link" href="/admin/webhooks">
          {t('admin.webhooks.all')}
        </a>
      </p>
      <Problems fields={state.errors} words={problemOf(t)} />
      {state.saved ? (
        <Notice kind="status">
          <p>{t('admin.webhooks.savedNotice')}</p>
        </Notice>
      ) : null}
      {state.secret ? <SecretOnce id="webhook-secret" label={t('admin.webhooks.secretLabel')} hint={t('admin.webhooks.secretHint')} value={state.secret} /> : null}
      <dl class="ims-facts">
        <dt>{t('admin.webhooks.url')}</dt>
        <dd>{w.url}</dd>
        <dt>{t('admin.webhooks.column.status')}</dt>
        <dd>{w.active ? t('admin.webhooks.active') : t('admin.webhooks.paused')}</dd>
        <dt>{t('admin.webhooks.column.created')}</dt>
        <dd>
          <When iso={w.createdAt} />
        </dd>
      </dl>

      <h2 id="deliveries">{t('admin.webhooks.deliveriesHeading')}</h2>
      {deliveries.length ? (
        <AdminTable
          caption={t('admin.webhooks.deliveriesHeading')}
          columns={columns}
          rows={deliveries.map((d) => [
            <When iso={d.createdAt} />,
            t(`admin.webhooks.event.${d.event}`),
            deliveryOutcome(t, d),
            d.responseStatus !== undefined ? String(d.responseStatus) : t('admin.webhooks.delivery.noAnswer'),
            number(d.attempts),
            d.nextAttemptAt ? <When iso={d.nextAttemptAt} /> : t('admin.webhooks.delivery.noRetry'),
          ])}
        />
      ) : (
        <p>{t('admin.webhooks.noDeliveries')}</p>
      )}

      <h2>{t('admin.webhooks.editHeading')}</h2>
      <WebhookForm viewer={viewer} action={`/admin/webhooks/${w.id}`} values={state.values} errors={state.errors} submit={t('admin.webhooks.save')} />

      <h2 id="rotate-heading">{t('admin.webhooks.rotateHeading')}</h2>
      <p class="usa-hint">{t('admin.webhooks.rotateHint')}</p>
      <form class="usa-form usa-form--large" method="post" action={`/admin/webhooks/${w.id}/secret`} aria-labelledby="rotate-heading">
        <CsrfField token={viewer.csrf} />
        <TextField id="webhook-reason" name="reason" label={t('admin.webhooks.reason')} required error={state.errors.includes('reason') ? t('admin.webhooks.error.reason') : undefined} />
        <button type="submit" class="usa-button usa-button--outline margin-top-3">
          {t('admin.webhooks.rotate')}
        </button>
      </form>

      <h2 id="delete-heading">{t('admin.webhooks.deleteHeading')}</h2>
      <p class="usa-hint">{t('admin.webhooks.deleteHint')}</p>
      <form method="post" action={`/admin/webhooks/${w.id}/delete`} aria-labelledby="delete-heading">
        <CsrfField token={viewer.csrf} />
        <button type="submit" class="usa-button usa-button--secondary">
          {t('admin.webhooks.delete')}
        </button>
      </form>
    </AdminShell>
  );
}

function valuesOf(body: Record<string, unknown>): WebhookValues {
  return { url: str(body.url).trim(), description: str(body.description).trim(), events: strings(body.events), active: str(body.active) === '1' };
}

export function webhookPages(webhooks: Webhooks): express.Router {
  const router = express.Router();
  const guard = [requireSignIn, requireAdmin];

  const showOne = async (req: Request, res: Response, status: number, id: string, extra: Partial<WebhookState> = {}) => {
    const { secret: _secret, ...subscription } = await webhooks.get(id);
    const deliveries = await webhooks.deliveries(id, { limit: 100 });
    const values = { url: subscription.url, description: subscription.description ?? '', events: subscription.events, active: subscription.active };
    sendDocument(res, status, <WebhookPage viewer={viewerOf(req)} state={{ subscription, deliveries, values, errors: [], ...extra }} />);
  };

  router.get('/admin/webhooks', ...guard, async (req, res) => {
    sendDocument(res, 200, <WebhooksPage viewer={viewerOf(req)} items={await webhooks.list()} deleted={str(req.query.deleted) === '1'} />);
  });

  router.get('/admin/webhooks/new', ...guard, (req, res) => {
    sendDocument(res, 200, <NewWebhookPage viewer={viewerOf(req)} values={{ url: '', description: '', events: [], active: true }} errors={[]} />);
  });

  router.post('/admin/webhooks', ...guard, adminForm, async (req, res) => {
    await requireCsrf(req, res);
    const values = valuesOf((req.body ?? {}) as Record<string, unknown>);
    try {
      const { subscription, secret } = await webhooks.create({ url: values.url, events: values.events, description: values.description, active: values.active }, viewerOf(req).user.id);
      // the secret is shown on this answer only
      await showOne(req, res, 201, subscription.id, { secret });
    } catch (err) {
      sendDocument(res, 400, <NewWebhookPage viewer={viewerOf(req)} values={values} errors={refusedFields(err)} />);
    }
  });

  router.get('/admin/webhooks/:id', ...guard, async (req, res) => {
    await showOne(req, res, 200, String(req.params.id), { saved: str(req.query.saved) === '1' });
  });

  router.post('/admin/webhooks/:id', ...guard, adminForm, async (req, res) => {
    await requireCsrf(req, res);
    const id = String(req.params.id);
    const values = valuesOf((req.body ?? {}) as Record<string, unknown>);
    try {
      await webhooks.update(id, values, viewerOf(req).user.id);
    } catch (err) {
      return showOne(req, res, 400, id, { values, errors: refusedFields(err) });
    }
    res.redirect(303, `/admin/webhooks/${id}?saved=1`);
  });

  router.post('/admin/webhooks/:id/secret', ...guard, adminForm, async (req, res) => {
    await requireCsrf(req, res);
    const id = String(req.params.id);
    const reason = str((req.body as Record<string, unknown> | undefined)?.reason).trim();
    if (!reason) return showOne(req, res, 400, id, { errors: ['reason'] });
    const { secret } = await webhooks.rotateSecret(id, reason, viewerOf(req).user.id);
    await showOne(req, res, 200, id, { secret });
  });

  router.post('/admin/webhooks/:id/delete', ...guard, adminForm, async (req, res) => {
    await requireCsrf(req, res);
    await webhooks.delete(String(req.params.id), viewerOf(req).user.id);
    res.redirect(303, '/admin/webhooks?deleted=1');
  });

  return router;
}
