/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { FieldChange, ImportPlan, ImportRow } from '../../../engine/features/people/index.js';
import type { Viewer } from '../basics.js';
import { CsrfField, describedBy, ErrorSummary, Field } from '../components/Form.js';
import { Shell } from '../components/Shell.js';
import { useReader } from '../reader.js';
import { rolesText } from './words.js';
import { localeName } from '../account/choices.js';

export interface ImportState {
  /** The file as uploaded, carried to the apply form. */
  csv?: string;
  fileName?: string;
  plan?: ImportPlan;
  /** A message id of why the file could not be read or imported (too large, not a CSV, changed since). */
  refusal?: string;
  /** The text of that refusal, when the engine names a row or column (in English). */
  refusalDetail?: string;
}

/**
 * /admin/people/import: upload a CSV file → the dry run, a table of what each row would do (create,
 * update old → new, unchanged, or what is wrong, by row and column) → apply: every row or none.
 */
export function ImportPage({ viewer, state, limits }: { viewer: Viewer; state: ImportState; limits: { rows: number; megabytes: number } }) {
  const reader = useReader();
  const { t } = reader;
  const { plan } = state;
  return (
    <Shell title={plan ? t('adminPeople.import.dryRunTitle') : t('adminPeople.import.title')} viewer={viewer}>
      <p>
        <a href="/admin/people">{t('adminPeople.back')}</a>
      </p>
      <ErrorSummary heading={t('adminPeople.import.refused')} problems={state.refusal ? [{ id: 'import-file', message: t(state.refusal, { rows: limits.rows, megabytes: limits.megabytes, detail: state.refusalDetail ?? '' }) }] : []} />
      {plan ? <DryRun plan={plan} /> : null}
      {plan && state.csv !== undefined ? (
        plan.counts.error ? (
          <p>{t('adminPeople.import.fixFirst', { count: plan.counts.error })}</p>
        ) : plan.counts.create + plan.counts.update ? (
          <form class="usa-form" method="post" action="/admin/people/import/apply">
            <CsrfField token={viewer.csrf} />
            <input type="hidden" name="csv" value={state.csv} />
            <input type="hidden" name="digest" value={plan.digest} />
            <input type="hidden" name="fileName" value={state.fileName ?? ''} />
            <button type="submit" class="usa-button">
              {t('adminPeople.import.apply', { create: plan.counts.create, update: plan.counts.update })}
            </button>
          </form>
        ) : (
          <p>{t('adminPeople.import.nothingToDo')}</p>
        )
      ) : null}
      <h2>{plan ? t('adminPeople.import.another') : t('adminPeople.import.upload')}</h2>
      <p>{t('adminPeople.import.columns')}</p>
      <p class="usa-hint">{t('adminPeople.import.rules', limits)}</p>
      <form class="usa-form" method="post" action="/admin/people/import" enctype="multipart/form-data">
        <CsrfField token={viewer.csrf} />
        <Field id="import-file" label={t('adminPeople.import.file')} error={state.refusal ? t('adminPeople.import.refused') : undefined}>
          <input class="usa-file-input" type="file" id="import-file" name="file" accept=".csv,text/csv" required {...describedBy('import-file', { error: state.refusal })} />
        </Field>
        <button type="submit" class="usa-button margin-top-3">
          {t('adminPeople.import.check')}
        </button>
      </form>
    </Shell>
  );
}

function DryRun({ plan }: { plan: ImportPlan }) {
  const { t } = useReader();
  return (
    <>
      <p role="status">{t('adminPeople.import.counts', plan.counts)}</p>
      <div class="ims-table-scroll" role="region" aria-label={t('adminPeople.import.caption')} tabIndex={0}>
        <table class="usa-table usa-table--compact usa-table--stacked">
          <caption class="usa-sr-only">{t('adminPeople.import.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('adminPeople.import.column.row')}</th>
              <th scope="col">{t('adminPeople.import.column.person')}</th>
              <th scope="col">{t('adminPeople.import.column.outcome')}</th>
              <th scope="col">{t('adminPeople.import.column.details')}</th>
            </tr>
          </thead>
          <tbody>
            {plan.rows.map((row) => (
              <tr key={row.row}>
                <th scope="row" data-label={t('adminPeople.import.column.row')}>
                  {row.row}
                </th>
                <td data-label={t('adminPeople.import.column.person')}>
                  {row.name || t('adminPeople.none')}
                  <br />
                  <span class="usa-hint">{row.email || t('adminPeople.none')}</span>
                </td>
                <td data-label={t('adminPeople.import.column.outcome')}>
                  <span class={`usa-tag ${row.outcome === 'error' ? 'bg-secondary-dark' : row.outcome === 'unchanged' ? 'bg-base' : 'bg-primary'}`}>{t(`adminPeople.import.outcome.${row.outcome}`)}</span>
                </td>
                <td data-label={t('adminPeople.import.column.details')}>
                  <Details row={row} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** The person form's field a column fills: its problem is worded alike. */
const COLUMN_FIELDS: Record<string, string> = { email: 'email', 'display name': 'name', roles: 'roles', sites: 'sites', 'manager email': 'managerId', locale: 'locale' };

function Details({ row }: { row: ImportRow }) {
  const reader = useReader();
  const { t } = reader;
  const shown = (change: FieldChange, value: string | string[] | undefined) =>
    value === undefined || (Array.isArray(value) && !value.length) || value === '' ? t('adminPeople.none') : change.field === 'roles' ? rolesText(reader, value as string[]) : change.field === 'locale' && typeof value === 'string' ? localeName(value) : Array.isArray(value) ? value.join(', ') : value;
  if (row.problems.length) {
    return (
      <ul class="usa-list usa-list--unstyled">
        {row.problems.map((p, i) => (
          <li key={i}>{t('adminPeople.import.problem', { column: t(`adminPeople.import.csvColumn.${p.column.replace(' ', '-')}`), problem: p.code === 'invalid' ? t(`adminPeople.error.${COLUMN_FIELDS[p.column]}`) : t(`adminPeople.import.problemCode.${p.code}`) })}</li>
        ))}
      </ul>
    );
  }
  if (!row.changes.length) return <span>{t('adminPeople.import.noChange')}</span>;
  return (
    <ul class="usa-list usa-list--unstyled">
      {row.changes.map((change) => (
        <li key={change.field}>
          {row.outcome === 'create'
            ? t('adminPeople.import.set', { field: t(`adminPeople.import.field.${change.field}`), value: shown(change, change.new) })
            : t('adminPeople.import.changed', { field: t(`adminPeople.import.field.${change.field}`), old: shown(change, change.old), value: shown(change, change.new) })}
        </li>
      ))}
    </ul>
  );
}
