/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { ComponentChildren } from 'preact';
import { useReader } from '../reader.js';
import { listHref } from './query.js';

/**
 * The pieces every figure of the dashboard is built from: a table that scrolls inside its own box on a
 * phone (with a caption and keyboard focus), a figure (caption, then its table or a sentence), a tile, a
 * count that opens its list of records, and numbers in the reader's format.
 */

/** Numbers as the reader writes them; '–' for no value. */
export function useFormat() {
  const { number, t } = useReader();
  const known = (value: number | null | undefined): value is number => value !== null && value !== undefined && !Number.isNaN(value);
  return {
    num: (value: number | null | undefined) => (known(value) ? number(value, { maximumFractionDigits: 1 }) : '–'),
    /** A percentage as the engine gives it (0–100, one decimal). */
    percent: (value: number | null | undefined) => (known(value) ? number(value / 100, { style: 'percent', maximumFractionDigits: 1 }) : '–'),
    days: (value: number | null | undefined) => (known(value) ? t('dashboard.days', { days: value }) : '–'),
  };
}

export interface Column {
  label: ComponentChildren;
  numeric?: boolean;
}

/**
 * A table of figures. Wider than a phone, it scrolls sideways inside its box (a named region that takes
 * keyboard focus, so it can be scrolled without a mouse); the page itself never does. The first cell of a
 * row is its header.
 */
export function DataTable({ caption, columns, rows, captionShown = false, id }: { caption: string; columns: Column[]; rows: ComponentChildren[][]; captionShown?: boolean; id?: string }) {
  return (
    <div class="table-wrap usa-table-container--scrollable ims-scroll" tabIndex={0} role="region" aria-label={caption} id={id}>
      <table class="usa-table usa-table--borderless usa-table--compact">
        <caption class={captionShown ? undefined : 'vh usa-sr-only'}>{caption}</caption>
        <thead>
          <tr>
            {columns.map((c, i) => (
              <th scope="col" key={i} class={c.numeric ? 'num' : undefined}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => (
            <tr key={r}>
              {row.map((cell, i) =>
                i === 0 ? (
                  <th scope="row" key={i}>
                    {cell}
                  </th>
                ) : (
                  <td key={i} class={columns[i]?.numeric ? 'num' : undefined}>
                    {cell}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A figure: caption, then its table (the script draws the chart above it), or a sentence when empty. */
export function Figure({ name, caption, empty, children }: { name: string; caption: string; empty: string; children?: ComponentChildren }) {
  return (
    <figure class="chart" data-chart={name}>
      <figcaption>{caption}</figcaption>
      {children ?? <p class="empty">{empty}</p>}
    </figure>
  );
}

/**
 * A count that opens its list of records; `context` is read after the number by screen readers (the link
 * "3" alone says nothing out of its table). Zero is plain text: there is nothing to list.
 */
export function CountLink({ count, drill, filters, context }: { count: number; drill: string | undefined; filters: URLSearchParams; context: string }) {
  const { num } = useFormat();
  const href = listHref(drill, filters);
  if (!count || !href) return <>{num(count)}</>;
  return (
    <a href={href}>
      {num(count)}
      <span class="vh usa-sr-only"> {context}</span>
    </a>
  );
}

export function Tile({ kind, label, value, href, hint }: { kind: string; label: string; value: string | number; href?: string; hint?: string }) {
  const inner = (
    <>
      {/* spaces between the parts, so the link's spoken name is "11 Open", not "11Open" */}
      <span class="figure">{value}</span> <span class="label">{label}</span>
      {hint ? <> <span class="hint">{hint}</span></> : null}
    </>
  );
  return <li class={`tile ${kind}`}>{href ? <a href={href}>{inner}</a> : <span>{inner}</span>}</li>;
}

/** A KPI period as people say it: "Feb 2026", "Q1 2026"; anything else as it stands. */
export function usePeriod(): (period: string) => string {
  const { t, locale } = useReader();
  return (period) => {
    const month = /^(\d{4})-(\d{2})$/.exec(period);
    if (month) return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(Number(month[1]), Number(month[2]) - 1, 1)));
    const quarter = /^(\d{4})-Q([1-4])$/.exec(period);
    if (quarter) return t('dashboard.quarter', { year: quarter[1], quarter: quarter[2] });
    return period;
  };
}

/** An ISO week ("2026-W12") as people say it: "Week 12, 2026"; short: "Wk 12". */
export function useWeek(): (week: string, short?: boolean) => string {
  const { t } = useReader();
  return (week, short = false) => {
    const found = /^(\d{4})-W(\d{2})$/.exec(week);
    if (!found) return week;
    return t(short ? 'dashboard.weekShort' : 'dashboard.week', { year: found[1], week: Number(found[2]) });
  };
}
