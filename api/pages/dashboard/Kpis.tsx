/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { KpiView } from '../../../engine/features/dashboard/index.js';
import { mayEnterValues } from '../../../engine/features/kpis/index.js';
import type { KpiRecord } from '../../../engine/kernel/model.js';
import type { Viewer } from '../basics.js';
import { useReader } from '../reader.js';
import { SiteName } from '../components/SiteName.js';
import { DataTable, useFormat, usePeriod } from './parts.js';

/** The KPIs of the dashboard, one column per management system, each with its latest value, status and trend. */

export const SYSTEMS: KpiRecord['system'][] = ['quality', 'environment', 'safety'];

/** A value with the KPI's unit: "92.5 %", "12 reports". The unit is the KPI's own word, as its owner typed it. */
export function useValue(): (kpi: Pick<KpiRecord, 'unit'>, value: number | null | undefined) => string {
  const { num } = useFormat();
  return (kpi, value) => `${num(value)}${kpi.unit ? ` ${kpi.unit}` : ''}`;
}

export function useTarget(): (kpi: Pick<KpiRecord, 'direction' | 'target' | 'unit'>) => string {
  const { t } = useReader();
  const value = useValue();
  return (kpi) => t(kpi.direction === 'down' ? 'dashboard.kpi.atMost' : 'dashboard.kpi.atLeast', { value: value(kpi, kpi.target) });
}

function KpiItem({ kpi, viewer }: { kpi: KpiView; viewer: Viewer }) {
  const { t } = useReader();
  const value = useValue();
  const target = useTarget();
  const period = usePeriod();
  const unit = kpi.unit ? ` (${kpi.unit})` : '';
  const canEnter = kpi.source === 'manual' && mayEnterValues(viewer.user, kpi);
  return (
    <li>
      <strong>{kpi.name}</strong>
      {kpi.site ? (
        <span class="hint">
          {' ('}
          <SiteName site={kpi.site} />)
        </span>
      ) : null} <span class={`usa-tag badge ${kpi.status}`}>{t(`dashboard.kpi.status.${kpi.status}`)}</span>
      <br />
      {kpi.latest ? (
        <>
          <span class="value">{value(kpi, kpi.latest.value)}</span> <span class="hint">({period(kpi.latest.period)})</span>
        </>
      ) : (
        <span class="hint">{t('dashboard.kpi.noValue')}</span>
      )}
      <br />
      <span class="hint">
        {t(kpi.source === 'computed' ? 'dashboard.kpi.lineComputed' : 'dashboard.kpi.line', { target: target(kpi), owner: kpi.ownerName })}
      </span>
      {kpi.trend.length ? (
        <figure class="spark" data-chart={`kpi-${kpi.id}`}>
          <figcaption>{t('dashboard.kpi.trendOf', { name: kpi.name })}</figcaption>
          <div class="spark-slot"></div>
          <details>
            <summary>{t('dashboard.kpi.values')}</summary>
            <DataTable
              caption={t('dashboard.kpi.valuesOf', { name: kpi.name })}
              columns={[{ label: t('dashboard.kpi.period') }, { label: t('dashboard.kpi.value') + unit, numeric: true }]}
              rows={kpi.trend.map((x) => [period(x.period), value({ unit: '' }, x.value)])}
            />
          </details>
        </figure>
      ) : null}
      <a href={`/dashboard/kpis/${encodeURIComponent(kpi.id)}`}>
        {t(canEnter ? 'dashboard.kpi.enter' : 'dashboard.kpi.details')}
        <span class="vh usa-sr-only">: {kpi.name}</span>
      </a>
    </li>
  );
}

export function KpiSection({ kpis, viewer }: { kpis: KpiView[]; viewer: Viewer }) {
  const { t } = useReader();
  return (
    <div class="kpis">
      {SYSTEMS.map((system) => {
        const mine = kpis.filter((k) => k.system === system);
        return (
          <section class="kpi-system" aria-labelledby={`kpi-${system}`} key={system}>
            <h3 id={`kpi-${system}`}>{t(`dashboard.kpi.system.${system}`)}</h3>
            {mine.length ? (
              <ul class="kpi-list">
                {mine.map((k) => (
                  <KpiItem kpi={k} viewer={viewer} key={k.id} />
                ))}
              </ul>
            ) : (
              <p class="empty">{t('dashboard.kpi.none')}</p>
            )}
          </section>
        );
      })}
    </div>
  );
}
