/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { FieldError } from '../../../engine/kernel/errors.js';
import { useReader } from '../reader.js';
import { useSiteName } from '../components/SiteName.js';
import { instantToWallClock } from './query.js';

export interface Choice {
  value: string;
  label: string;
}

export interface FilterChoices {
  sites: Choice[];
  processes: Choice[];
}

/**
 * The dashboard's filters as one compact bar, folded into a disclosure whose summary says what is shown
 * ("All your sites · every process · 2 Mar 2025 – 2 Mar 2026"). On a phone it stays folded, so the first
 * screen shows figures, not filters; on a wide screen the script opens it; with a problem to correct it is
 * open. A GET form: the view lives in the URL.
 */
export function FilterBar({ filters, choices, errors, summary }: { filters: URLSearchParams; choices: FilterChoices; errors: FieldError[]; summary: string }) {
  const { t, timeZone } = useReader();
  const at = filters.get('at') ?? '';
  return (
    <details class="ims-filter-bar dash-filters" id="dashboard-filters" open={errors.length > 0 || undefined}>
      <summary>
        <span class="ims-filter-bar__title">{t('dashboard.filters.title')}</span> <span class="ims-filter-bar__summary">{summary}</span>
      </summary>
      <form method="get" action="/dashboard">
        <div class="ims-filter-bar__row">
          <Checks name="site" legend={t('dashboard.filters.site')} list={choices.sites} chosen={filters.getAll('site')} none={t('dashboard.filters.allSites')} errors={errors} />
          <Checks name="process" legend={t('dashboard.filters.process')} list={choices.processes} chosen={filters.getAll('process')} none={t('dashboard.filters.allProcesses')} errors={errors} />
        </div>
        <div class="ims-filter-bar__row ims-filter-bar__dates">
          <Input name="from" label={t('dashboard.filters.from')} type="date" value={filters.get('from') ?? ''} errors={errors} />
          <Input name="to" label={t('dashboard.filters.to')} type="date" value={filters.get('to') ?? ''} errors={errors} />
          {/* the field shows the time on the reader's clock; the address holds the instant */}
          <Input name="at" label={t('dashboard.filters.at')} type="datetime-local" value={/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(at) ? instantToWallClock(at, timeZone) : at} errors={errors} />
        </div>
        <p class="usa-hint hint">{t('dashboard.filters.hint')}</p>
        <p class="buttons">
          <button type="submit" class="usa-button">
            {t('dashboard.filters.apply')}
          </button>{' '}
          <a href="/dashboard">{t('dashboard.filters.clear')}</a>
        </p>
      </form>
    </details>
  );
}

function errorOf(errors: FieldError[], name: string): string | undefined {
  return errors.find((x) => x.field === name)?.message;
}

function Checks({ name, legend, list, chosen, none, errors }: { name: 'site' | 'process'; legend: string; list: Choice[]; chosen: string[]; none: string; errors: FieldError[] }) {
  const { t } = useReader();
  const siteName = useSiteName();
  if (!list.length) return null;
  const error = errorOf(errors, name);
  const picked = new Set(chosen);
  return (
    <fieldset id={`f-${name}`} class="usa-fieldset ims-filter-bar__group">
      <legend class="usa-legend">{legend}</legend>
      {error ? (
        <span class="usa-error-message error" id={`f-${name}-error`}>
          {error}
        </span>
      ) : null}
      <ul class="choices">
        {list.map((c, i) => (
          <li key={c.value}>
            <input type="checkbox" id={`f-${name}-${i}`} name={name} value={c.value} checked={picked.has(c.value)} />
            <label for={`f-${name}-${i}`}>{name === 'site' ? siteName(c.value) : c.label}</label>
          </li>
        ))}
      </ul>
      <p class="usa-hint hint">{t('dashboard.filters.noneTicked', { none })}</p>
    </fieldset>
  );
}

function Input({ name, label, type, value, errors }: { name: string; label: string; type: 'date' | 'datetime-local'; value: string; errors: FieldError[] }) {
  const error = errorOf(errors, name);
  return (
    <div class="usa-form-group field">
      <label class="usa-label" for={`f-${name}`}>
        {label}
      </label>
      {error ? (
        <span class="usa-error-message error" id={`f-${name}-error`}>
          {error}
        </span>
      ) : null}
      <input
        class="usa-input"
        type={type}
        id={`f-${name}`}
        name={name}
        value={value}
        step={type === 'datetime-local' ? 60 : undefined}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? `f-${name}-error` : undefined}
      />
    </div>
  );
}
