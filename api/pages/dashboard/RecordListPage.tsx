/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Drilldown, RecordList } from '../../../engine/features/dashboard/index.js';
import type { InstanceRecord, TaskRecord } from '../../../engine/kernel/model.js';
import { recordTitle } from '../../../engine/kernel/present/index.js';
import type { Viewer } from '../basics.js';
import { TaskBadges } from '../components/Badges.js';
import { Shell } from '../components/Shell.js';
import { When, ZoneNote } from '../components/Time.js';
import { useReader } from '../reader.js';
import { bucketLabel } from './TaskFigures.js';
import { useFormat, useWeek } from './parts.js';
import { dashboardHref } from './query.js';

/**
 * The records behind a figure (/dashboard/list): as many as the engine lists (the CSV holds as many),
 * records by their number and title, processes and steps by name in the reader's language, people by
 * name, times on the reader's clock, overdue and escalation shown as on the task list. On a phone each row
 * stacks into a card of label: value lines.
 */

export interface RecordListState {
  viewer: Viewer;
  list: RecordList;
  drill: Drilldown;
  /** The drill fragment and the filters: what the CSV export is asked for. */
  query: URLSearchParams;
  filters: URLSearchParams;
  limit: number;
  asOf: string;
  names: Map<string, string>;
  instances: Map<string, InstanceRecord>;
  tasks: Map<string, TaskRecord>;
  titleFields: Record<string, string[]>;
}

const GRADES = ['major', 'minor', 'observation', 'ofi'];

/** The lists of the task figures, titled by the page in the reader's language. */
const TASK_LISTS = ['open', 'dueSoon', 'overdue', 'escalated', 'aging', 'escalation', 'opened', 'closed', 'overdueAtWeekEnd'];

function useListTitle(list: RecordList, drill: Drilldown): string {
  const { t, translated } = useReader();
  const week = useWeek();
  // the shipped packs' lists, titled here from what the drill names; any other pack's as the pack titles it
  if (drill.figure === 'findings') {
    const clause = typeof list.items[0]?.clause === 'string' ? list.items[0].clause : drill.clause;
    const title = clause ? t('dashboard.list.findingsAgainst', { clause }) : t('dashboard.list.findings');
    return drill.grade && GRADES.includes(drill.grade) ? t('dashboard.list.withGrade', { title, grade: t(`dashboard.grade.${drill.grade}`) }) : title;
  }
  if (drill.figure === 'gap' && drill.standard) return t('dashboard.list.gap', { standard: drill.standard });
  if (!TASK_LISTS.includes(drill.figure)) return translated(`${list.words ?? 'dashboard'}.list.${drill.figure}`, list.title);
  return t(`dashboard.list.${drill.figure}`, { days: bucketLabel(t, drill.bucket ?? ''), level: drill.level ?? '', week: week(drill.week ?? '') });
}

type Row = RecordList['items'][number];

export function RecordListPage({ state }: { state: RecordListState }) {
  const { t, translated } = useReader();
  const { num } = useFormat();
  const { list, query, filters, limit } = state;
  const title = useListTitle(list, state.drill);
  const csv = `/api/dashboard/records.csv?${query.toString()}`;
  // a pack's list names its columns in its own catalogue; the columns every list shares (site, due …) are the page's
  const header = (c: RecordList['columns'][number]) => {
    const own = list.words ? translated(`${list.words}.column.${c.key}`, c.label) : c.label;
    return own !== c.label ? own : translated(`dashboard.column.${c.key}`, c.label);
  };
  const hasTimes = list.items.some((row) => list.columns.some((c) => isInstant(row[c.key])));
  return (
    <Shell title={title} viewer={state.viewer} current="dashboard" wide head={<link rel="stylesheet" href="/assets/dashboard.css" />}>
      <p role="status">
        {t('dashboard.list.count', { count: list.items.length })}
        {list.items.length >= limit ? ` ${t('dashboard.list.capped', { limit })}` : ''}
      </p>
      <ul class="exports">
        <li>
          <a href={csv}>{t('dashboard.list.csv')}</a>
        </li>
        <li>
          <a href={dashboardHref(filters)}>{t('dashboard.back')}</a>
        </li>
      </ul>
      {list.items.length ? (
        <>
          <table class="usa-table usa-table--stacked usa-table--borderless stack ims-list">
            <caption class="vh usa-sr-only">{title}</caption>
            <thead>
              <tr>
                {list.columns.map((c) => (
                  <th scope="col" key={c.key}>
                    {header(c)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {list.items.map((row, i) => (
                <tr key={i}>
                  {list.columns.map((c) => (
                    <td data-label={header(c)} key={c.key}>
                      <Cell row={row} column={c.key} state={state} num={num} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {hasTimes ? <ZoneNote /> : null}
        </>
      ) : null}
    </Shell>
  );
}

const isInstant = (value: unknown): value is string => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value);

/** A cell of a list: records and tasks as links with their names, people by name, times on the reader's clock. */
function Cell({ row, column, state, num }: { row: Row; column: string; state: RecordListState; num: (n: number) => string }) {
  const { t, translated } = useReader();
  const value = row[column];
  const instance = typeof row.instanceId === 'string' ? state.instances.get(row.instanceId) : undefined;
  const task = typeof row.taskId === 'string' ? state.tasks.get(row.taskId) : undefined;
  if (column === 'businessKey' && typeof row.instanceId === 'string') {
    const title = instance ? recordTitle(instance, state.titleFields[instance.key]) : undefined;
    return (
      <>
        <a href={`/records/${encodeURIComponent(row.instanceId)}`}>{String(value ?? '')}</a>
        {title?.title ? <span class="ims-record-title"> · {title.title}</span> : null}
      </>
    );
  }
  if (value === null || value === undefined) return null;
  if (column === 'process' && instance) return <>{translated(`${instance.key}.process.name`, String(value))}</>;
  if (column === 'task' && typeof row.taskId === 'string') {
    const name = task ? translated(`${task.definitionKey}.${task.elementId}.name`, task.name) : String(value);
    return (
      <>
        <a href={`/tasks/${encodeURIComponent(row.taskId)}`}>{name}</a> {task ? <TaskBadges task={task} now={state.asOf} /> : null}
      </>
    );
  }
  if (column === 'assignee' && typeof value === 'string') return <>{state.names.get(value) ?? value}</>;
  if (typeof value === 'boolean') return <>{t(value ? 'dashboard.list.yes' : 'dashboard.list.no')}</>;
  if (typeof value === 'number') return <>{num(value)}</>;
  if (isInstant(value)) return <When iso={value} />;
  if (column === 'grade' && GRADES.includes(String(value))) return <>{t(`dashboard.grade.${String(value)}`)}</>;
  const word = state.list.valueWords?.[column]?.[String(value)];
  if (word) return <>{t(word)}</>;
  return <>{String(value)}</>;
}
