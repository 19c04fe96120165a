/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { ComponentChildren, VNode } from 'preact';
import { mayEnterValues } from '../../../engine/features/kpis/index.js';
import type { FieldError } from '../../../engine/kernel/errors.js';
import type { KpiRecord, KpiValueRecord } from '../../../engine/kernel/model.js';
import { hasRole } from '../../auth.js';
import { DASHBOARD_ROLES, type Viewer } from '../basics.js';
import { CsrfField } from '../components/Form.js';
import { Shell } from '../components/Shell.js';
import { When, ZoneNote } from '../components/Time.js';
import { useReader } from '../reader.js';
import { SiteName } from '../components/SiteName.js';
import { DataTable, usePeriod } from './parts.js';
import { useTarget, useValue } from './Kpis.js';

/** A KPI's page (/dashboard/kpis/:id): what it is, the form to enter a period's value, and its values so far. */

export interface KpiFormState {
  period: string;
  value: string;
  note: string;
  reason: string;
}

export interface KpiPageState {
  viewer: Viewer;
  kpi: KpiRecord;
  /** Its values, newest period first. */
  values: KpiValueRecord[];
  form: KpiFormState;
  errors: FieldError[];
  /** The period just saved (post/redirect/get), confirmed at the top. */
  saved?: string;
  /** People's names by id. */
  names: Map<string, string>;
}

const nameOf = (names: Map<string, string>, id: string) => names.get(id) ?? id;

export function KpiPage({ state }: { state: KpiPageState }) {
  const { viewer, kpi, values, names } = state;
  const { t, rich } = useReader();
  const value = useValue();
  const target = useTarget();
  const period = usePeriod();
  const done = values.find((v) => v.period === state.saved);
  const unit = kpi.unit ? ` (${kpi.unit})` : '';
  return (
    <Shell title={kpi.name} viewer={viewer} current="dashboard" head={<link rel="stylesheet" href="/assets/dashboard.css" />}>
      {done ? (
        <div class="usa-alert usa-alert--success usa-alert--slim notice good" role="status">
          <div class="usa-alert__body">
            <p class="usa-alert__text">{t('dashboard.kpi.saved', { name: kpi.name, period: period(done.period), value: value(kpi, done.value) })}</p>
          </div>
        </div>
      ) : null}
      <dl class="facts">
        <dt>{t('dashboard.kpi.managementSystem')}</dt>
        <dd>{t(`dashboard.kpi.system.${kpi.system}`)}</dd>
        <dt>{t('dashboard.kpi.target')}</dt>
        <dd>{target(kpi)}</dd>
        <dt>{t('dashboard.owner')}</dt>
        <dd>{nameOf(names, kpi.owner)}</dd>
        <dt>{t('dashboard.kpi.source')}</dt>
        <dd>{kpi.source === 'computed' ? t('dashboard.kpi.sourceComputed') : t('dashboard.kpi.sourceManual')}</dd>
        {kpi.site ? (
          <>
            <dt>{t('dashboard.site')}</dt>
            <dd>
              <SiteName site={kpi.site} />
            </dd>
          </>
        ) : null}
      </dl>
      {kpi.source === 'manual' && mayEnterValues(viewer.user, kpi) ? <ValueForm state={state} /> : null}
      <h2>{t('dashboard.kpi.values')}</h2>
      {values.length ? (
        <>
          <DataTable
            caption={t('dashboard.kpi.valuesOf', { name: kpi.name })}
            columns={[{ label: t('dashboard.kpi.period') }, { label: t('dashboard.kpi.value') + unit, numeric: true }, { label: t('dashboard.kpi.note') }, { label: t('dashboard.kpi.entered') }]}
            rows={values.map((v) => [
              period(v.period),
              value({ unit: '' }, v.value),
              v.note ?? '',
              <>{rich<VNode>('dashboard.kpi.enteredAtBy', { when: <When iso={v.enteredAt} />, name: nameOf(names, v.enteredBy) })}</>,
            ])}
          />
          <ZoneNote />
        </>
      ) : (
        <p class="empty">{t('dashboard.kpi.noValues')}</p>
      )}
      <BackLink viewer={viewer} />
    </Shell>
  );
}

function BackLink({ viewer }: { viewer: Viewer }) {
  const { t } = useReader();
  return hasRole(viewer.user, DASHBOARD_ROLES) ? (
    <p>
      <a href="/dashboard">{t('dashboard.back')}</a>
    </p>
  ) : null;
}

function ValueForm({ state }: { state: KpiPageState }) {
  const { t } = useReader();
  const { kpi, form, errors, viewer } = state;
  const unit = kpi.unit ? ` (${kpi.unit})` : '';
  return (
    <>
      <h2>{t('dashboard.kpi.enter')}</h2>
      {errors.length ? (
        <div class="usa-alert usa-alert--error notice bad" role="alert">
          <div class="usa-alert__body">
            <p class="usa-alert__text">{t('dashboard.kpi.correct', { count: errors.length })}</p>
            <ul>
              {errors.map((x) => (
                <li key={x.field}>
                  <a href={`#f-${x.field}`}>{x.message}</a>
                </li>
              ))}
            </ul>
          </div>
        </div>
      ) : null}
      <form method="post" action={`/dashboard/kpis/${encodeURIComponent(kpi.id)}`} class="usa-form usa-form--large decide">
        <CsrfField token={viewer.csrf} />
        <Field name="period" label={t('dashboard.kpi.period')} hint={t('dashboard.kpi.periodHint')} errors={errors}>
          {(a) => <input class="usa-input" type="text" {...a} value={form.period} required pattern="\d{4}-(0[1-9]|1[0-2]|Q[1-4])" inputMode="text" autocomplete="off" />}
        </Field>
        <Field name="value" label={t('dashboard.kpi.value') + unit} errors={errors}>
          {(a) => <input class="usa-input" type="number" {...a} value={form.value} required step="any" />}
        </Field>
        <Field name="note" label={t('dashboard.kpi.noteOptional')} hint={t('dashboard.kpi.noteHint')} errors={errors}>
          {(a) => <textarea class="usa-textarea" {...a} rows={3} maxLength={2000} value={form.note} />}
        </Field>
        <Field name="reason" label={t('dashboard.kpi.reason')} hint={t('dashboard.kpi.reasonHint')} errors={errors}>
          {(a) => <textarea class="usa-textarea" {...a} rows={2} maxLength={2000} value={form.reason} />}
        </Field>
        <p>
          <button type="submit" class="usa-button">
            {t('dashboard.kpi.save')}
          </button>
        </p>
      </form>
    </>
  );
}

type FieldAttrs = { id: string; name: string; 'aria-invalid'?: 'true'; 'aria-describedby'?: string };

function Field({ name, label, hint, errors, children }: { name: keyof KpiFormState; label: string; hint?: string; errors: FieldError[]; children: (attrs: FieldAttrs) => ComponentChildren }) {
  const error = errors.find((x) => x.field === name)?.message;
  const described = [error ? `f-${name}-error` : '', hint ? `f-${name}-hint` : ''].filter(Boolean).join(' ');
  return (
    <div class={`usa-form-group field${error ? ' usa-form-group--error' : ''}`}>
      <label class="usa-label" for={`f-${name}`}>
        {label}
      </label>
      {hint ? (
        <p class="usa-hint hint" id={`f-${name}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <span class="usa-error-message error" id={`f-${name}-error`}>
          {error}
        </span>
      ) : null}
      {children({ id: `f-${name}`, name, 'aria-invalid': error ? 'true' : undefined, 'aria-describedby': described || undefined })}
    </div>
  );
}
