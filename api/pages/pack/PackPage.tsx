/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import { Fragment, type ComponentChildren } from 'preact';
import type { PackBlock, PackCell, PackFormField, PackTone, PackView } from '../../../engine/packs.js';
import type { Section, Viewer } from '../basics.js';
import { describedBy, Field, FilterBar, FilterBarActions } from '../components/Form.js';
import { Notice } from '../components/Notice.js';
import { Shell } from '../components/Shell.js';
import { SiteName } from '../components/SiteName.js';
import { CalendarDate, Day, When, ZoneNote } from '../components/Time.js';
import { useReader } from '../reader.js';

/**
 * Every page a pack brings (ProcessPack.pages), drawn from the view model it builds: breadcrumbs, a search
 * or filter form, fact lists, tables, notices, download links and sections of them, with the design
 * system's components. Values come typed: instants on the reader's clock, people and sites by name, so a
 * pack never formats a time or prints a key.
 */

export interface PackPageState {
  view: PackView;
  viewer: Viewer;
  current: Section;
  /** The page's own path without its query: where its form's Clear link goes. */
  path: string;
  /** The directory: a person cell's name. */
  names: ReadonlyMap<string, string>;
}

const TONES: Record<PackTone, string> = {
  neutral: 'usa-tag',
  done: 'usa-tag ims-tag--done',
  pending: 'usa-tag ims-tag--pending',
  approved: 'usa-tag ims-tag--approved',
  rejected: 'usa-tag ims-tag--rejected',
  overdue: 'usa-tag ims-tag--overdue',
  'due-soon': 'usa-tag ims-tag--due-soon',
};

function Cell({ cell, names }: { cell: PackCell; names: ReadonlyMap<string, string> }) {
  const { number } = useReader();
  if (typeof cell === 'string') return <>{cell}</>;
  switch (cell.kind) {
    case 'link':
      return <a href={cell.href}>{cell.text}</a>;
    case 'time':
      return <When iso={cell.iso} />;
    case 'day':
      return <Day iso={cell.iso} />;
    case 'date':
      return <CalendarDate ymd={cell.ymd} />;
    case 'person':
      return <>{names.get(cell.id) ?? cell.id}</>;
    case 'site':
      return <SiteName site={cell.key} />;
    case 'badge':
      return <span class={TONES[cell.tone ?? 'neutral']}>{cell.text}</span>;
    case 'number':
      return <>{number(cell.value)}</>;
    case 'list':
      return (
        <ul class="usa-list usa-list--unstyled">
          {cell.items.map((item, i) => (
            <li key={i}>
              <Cell cell={item} names={names} />
            </li>
          ))}
        </ul>
      );
  }
}

/** Whether a page shows an instant anywhere: then it says once which zone its times are in. */
function showsTimes(blocks: PackBlock[]): boolean {
  const timed = (cell: PackCell): boolean => typeof cell !== 'string' && (cell.kind === 'time' || (cell.kind === 'list' && cell.items.some(timed)));
  return blocks.some((block) => {
    if (block.kind === 'section') return showsTimes(block.blocks);
    if (block.kind === 'facts') return block.facts.some((fact) => timed(fact.value));
    if (block.kind === 'table') return block.rows.some((row) => Object.values(row).some(timed));
    return false;
  });
}

function Control({ field }: { field: PackFormField }) {
  const { t } = useReader();
  const id = `pack-${field.name}`;
  if (field.type === 'checkbox') {
    return (
      <div class="usa-form-group">
        <div class="usa-checkbox">
          <input class="usa-checkbox__input" type="checkbox" id={id} name={field.name} value="true" checked={field.value === 'true'} {...describedBy(id, { hint: field.hint })} />
          <label class="usa-checkbox__label" for={id}>
            {field.label}
          </label>
        </div>
      </div>
    );
  }
  const look = (base: string) => (field.error ? `${base} ${base}--error` : base);
  const aria = describedBy(id, { hint: field.hint, error: field.error });
  return (
    <Field id={id} label={field.label} hint={field.hint} error={field.error}>
      {field.type === 'select' ? (
        <select class={look('usa-select')} id={id} name={field.name} {...aria}>
          <option value="">{field.any ?? t('packPage.any')}</option>
          {(field.options ?? []).map((option) => (
            <option value={option.value} selected={option.value === field.value} key={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      ) : (
        <Input field={field} id={id} look={look('usa-input')} aria={aria} />
      )}
    </Field>
  );
}

/** The input of a text, search or date field (preact types each kind of input apart). */
function Input({ field, id, look, aria }: { field: PackFormField; id: string; look: string; aria: ReturnType<typeof describedBy> }) {
  const common = { class: look, id, name: field.name, value: field.value ?? '', ...aria };
  if (field.type === 'date') return <input type="date" {...common} />;
  if (field.type === 'search') return <input type="search" {...common} />;
  return <input type="text" {...common} />;
}

function Form({ block, path }: { block: Extract<PackBlock, { kind: 'form' }>; path: string }) {
  const actions = (
    <>
      <button type="submit" class="usa-button">
        {block.submit}
      </button>
      {block.clear ? <a href={path}>{block.clear}</a> : null}
    </>
  );
  const fields = block.fields.map((field) => <Control field={field} key={field.name} />);
  if (block.role === 'filter') {
    return (
      <FilterBar action={path} summary={block.label} label={block.label} open={block.fields.some((f) => f.error)}>
        {fields}
        <FilterBarActions>{actions}</FilterBarActions>
      </FilterBar>
    );
  }
  return (
    <form class="usa-form" method="get" action={path} role="search" aria-label={block.label}>
      {fields}
      {actions}
    </form>
  );
}

function Table({ block, names, level }: { block: Extract<PackBlock, { kind: 'table' }>; names: ReadonlyMap<string, string>; level: number }) {
  if (!block.rows.length) {
    return (
      <>
        {block.heading ? <Heading level={level}>{block.heading}</Heading> : null}
        {block.empty ? <p>{block.empty}</p> : null}
      </>
    );
  }
  return (
    <>
      {block.heading ? <Heading level={level}>{block.heading}</Heading> : null}
      <div class="ims-table-scroll" role="region" aria-label={block.caption} tabIndex={0}>
        <table class="usa-table usa-table--compact usa-table--stacked">
          <caption class="usa-sr-only">{block.caption}</caption>
          <thead>
            <tr>
              {block.columns.map((column) => (
                <th scope="col" key={column.key}>
                  {column.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {block.rows.map((row, i) => (
              <tr key={i}>
                {block.columns.map((column) => (
                  <td data-label={column.label} key={column.key}>
                    {row[column.key] === undefined ? null : <Cell cell={row[column.key]!} names={names} />}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Heading({ level, id, children }: { level: number; id?: string; children: ComponentChildren }) {
  return level <= 2 ? <h2 id={id}>{children}</h2> : level === 3 ? <h3 id={id}>{children}</h3> : <h4 id={id}>{children}</h4>;
}

function Block({ block, state, level, at }: { block: PackBlock; state: PackPageState; level: number; at: string }) {
  const { names, path } = state;
  switch (block.kind) {
    case 'form':
      return <Form block={block} path={path} />;
    case 'facts':
      return (
        <>
          {block.heading ? <Heading level={level}>{block.heading}</Heading> : null}
          <dl class="ims-facts">
            {block.facts.map((fact, i) => (
              <Fragment key={i}>
                <dt>{fact.label}</dt>
                <dd>
                  <Cell cell={fact.value} names={names} />
                </dd>
              </Fragment>
            ))}
          </dl>
        </>
      );
    case 'table':
      return <Table block={block} names={names} level={level} />;
    case 'notice':
      return block.tone === 'success' ? (
        <Notice kind="status">{block.text}</Notice>
      ) : block.tone === 'error' ? (
        <Notice kind="alert">{block.text}</Notice>
      ) : (
        <Notice kind="status" tone={block.tone}>
          {block.text}
        </Notice>
      );
    case 'downloads':
      return (
        <>
          {block.heading ? <Heading level={level}>{block.heading}</Heading> : null}
          <ul class="usa-list">
            {block.links.map((link, i) => (
              <li key={i}>
                <a href={link.href} download>
                  {link.text}
                </a>
                {link.note ? <> {link.note}</> : null}
              </li>
            ))}
          </ul>
        </>
      );
    case 'text':
      return <p>{block.text}</p>;
    case 'section': {
      const id = `pack-section-${at}`;
      return (
        <section aria-labelledby={id}>
          <Heading level={level} id={id}>
            {block.heading}
          </Heading>
          <Blocks blocks={block.blocks} state={state} level={level + 1} at={at} />
        </section>
      );
    }
  }
}

function Blocks({ blocks, state, level, at }: { blocks: PackBlock[]; state: PackPageState; level: number; at: string }) {
  return (
    <>
      {blocks.map((block, i) => (
        <Block block={block} state={state} level={level} at={at ? `${at}-${i}` : String(i)} key={i} />
      ))}
    </>
  );
}

/** The trail to this page, ending in its title (on a phone USWDS shows only the step back). */
function Breadcrumbs({ trail, title }: { trail: NonNullable<PackView['breadcrumbs']>; title: string }) {
  const { t } = useReader();
  return (
    <nav class="usa-breadcrumb" aria-label={t('packPage.breadcrumbs')}>
      <ol class="usa-breadcrumb__list">
        {trail.map((crumb, i) => (
          <li class="usa-breadcrumb__list-item" key={i}>
            <a class="usa-breadcrumb__link" href={crumb.href}>
              <span>{crumb.text}</span>
            </a>
          </li>
        ))}
        <li class="usa-breadcrumb__list-item usa-current" aria-current="page">
          <span>{title}</span>
        </li>
      </ol>
    </nav>
  );
}

export function PackPage({ state }: { state: PackPageState }) {
  const { view, viewer, current } = state;
  return (
    <Shell title={view.title} viewer={viewer} current={current} before={view.breadcrumbs?.length ? <Breadcrumbs trail={view.breadcrumbs} title={view.title} /> : undefined}>
      {showsTimes(view.blocks) ? <ZoneNote /> : null}
      <Blocks blocks={view.blocks} state={state} level={2} at="" />
    </Shell>
  );
}
