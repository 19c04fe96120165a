/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { InboxItem, InboxKind } from '../../../engine/features/inbox/index.js';
import type { Viewer } from '../basics.js';
import { TaskBadges } from '../components/Badges.js';
import { Shell } from '../components/Shell.js';
import { When, ZoneNote } from '../components/Time.js';
import { useReader } from '../reader.js';
import { useSiteName } from '../components/SiteName.js';

/** One item as the page shows it: the engine's item with its step and process named in the reader's language. */
export interface InboxEntry {
  item: InboxItem;
  /** What to do, as the link's words ("Contain the nonconformity", "Sign the change to CAPA"). */
  action: string;
  /** The process's name in the reader's language. */
  process: string;
}

export interface InboxState {
  viewer: Viewer;
  now: string;
  entries: InboxEntry[];
}

const KIND_TAG: Record<InboxKind, string> = { task: 'usa-tag', review: 'usa-tag ims-tag--pending', publish: 'usa-tag ims-tag--approved', extension: 'usa-tag ims-tag--due-soon' };

/**
 * The inbox (/inbox, issue 16): everything that waits on me in one list, overdue first: tasks, changes to
 * sign or publish, extension requests to decide. Each says what is asked, about what, since when and by
 * when, and links to the page where it is done. Plain links: works without JavaScript and on a phone.
 */
export function InboxPage({ state }: { state: InboxState }) {
  const { t } = useReader();
  const { entries } = state;
  const overdue = entries.filter((e) => e.item.overdue).length;
  return (
    <Shell title={t('inbox.title')} viewer={state.viewer} current="inbox">
      <p class="usa-intro">{entries.length ? t('inbox.count', { count: entries.length, overdue }) : t('inbox.empty')}</p>
      {entries.length ? (
        <ul class="usa-collection ims-inbox">
          {entries.map((entry) => (
            <InboxCard key={`${entry.item.kind}-${entry.item.taskId ?? entry.item.draftId}`} entry={entry} now={state.now} />
          ))}
        </ul>
      ) : (
        <p>
          <a class="usa-link" href="/tasks">
            {t('inbox.toTasks')}
          </a>
        </p>
      )}
      {entries.length ? <ZoneNote /> : null}
    </Shell>
  );
}

function InboxCard({ entry, now }: { entry: InboxEntry; now: string }) {
  const siteName = useSiteName();
  const { t } = useReader();
  const { item } = entry;
  return (
    <li class="usa-collection__item">
      <div class="usa-collection__body">
        <h2 class="usa-collection__heading">
          <a class="usa-link" href={item.link}>
            {entry.action}
          </a>
        </h2>
        <p class="usa-collection__description">
          <span class={KIND_TAG[item.kind]}>{t('inbox.kind', { kind: item.kind, ask: item.ask })}</span>{' '}
          {item.overdue || item.escalationLevel ? <TaskBadges task={{ status: 'open', dueAt: item.dueAt, escalationLevel: item.escalationLevel }} now={now} /> : null}{' '}
          <span class="ims-record-title">{item.kind === 'review' || item.kind === 'publish' ? entry.process : item.title}</span>
        </p>
        <ul class="usa-collection__meta" aria-label={t('inbox.about')}>
          {item.kind === 'task' || item.kind === 'extension' ? <li class="usa-collection__meta-item">{entry.process}</li> : null}
          {item.site ? <li class="usa-collection__meta-item">{t('inbox.site', { site: siteName(item.site) })}</li> : null}
          {item.from ? <li class="usa-collection__meta-item">{t(item.kind === 'extension' ? 'inbox.askedBy' : item.kind === 'publish' ? 'inbox.changedBy' : 'inbox.submittedBy', { name: item.from.name })}</li> : null}
          <li class="usa-collection__meta-item">
            {t('inbox.since')} <When iso={item.since} />
          </li>
          {item.toDueAt ? (
            <li class="usa-collection__meta-item">
              {t('inbox.askedFor')} <When iso={item.toDueAt} />
            </li>
          ) : null}
          {item.dueAt ? (
            <li class="usa-collection__meta-item">
              {t(item.kind === 'extension' ? 'inbox.dueNow' : 'inbox.due')} <When iso={item.dueAt} />
            </li>
          ) : item.kind === 'task' ? (
            <li class="usa-collection__meta-item">{t('inbox.noDue')}</li>
          ) : null}
        </ul>
        {item.reason ? <p class="usa-collection__description">{t(item.kind === 'extension' ? 'inbox.reasonGiven' : 'inbox.changeReason', { reason: item.reason })}</p> : null}
      </div>
    </li>
  );
}
