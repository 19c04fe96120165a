/** @jsxRuntime automatic */
/** @jsxImportSource preact */
import type { Response } from 'express';
import type { InstanceView } from '../../engine/process-engine.js';
import type { Manifestation } from '../../engine/features/signatures/index.js';
import type { FormField, TaskRecord } from '../../engine/kernel/model.js';
import { escalationLevel, isOverdue, recordTitle, showAny, type Fact, type Shown, type ValueLookups } from '../../engine/kernel/present/index.js';
import type { StepResult } from '../../engine/packs.js';
import type { Viewer } from './basics.js';
import { hasInputPack, REPORTED_FIELDS } from '../presenters/management-review.js';
import { automaticResults, knownFields, latestOpenTask, startData, taskData } from '../presenters/record.js';
import { TaskBadges } from './components/Badges.js';
import { HistoryTable, type Names } from './components/History.js';
import { Notice } from './components/Notice.js';
import { Shell } from './components/Shell.js';
import { ZoneNote, When } from './components/Time.js';
import { Facts, ShownValue } from './components/Value.js';
import { InputPack } from './record/InputPack.js';
import { LinkedRecords, type LinkedRow } from './record/LinkedRecords.js';
import { WaitingFor } from './record/WaitingFor.js';
import { useReader } from './reader.js';
import { sendDocument } from './render.js';
import { SiteName } from './components/SiteName.js';

/**
 * The record page (/records/:id): the record's title first, its status and whether it is late and
 * escalated, where and when it started; the data it started with; the records linked to it; where it
 * stands now (with the diagram); everything entered per task, each value as its field's type says; the
 * results of the automatic steps (a management review's input pack as a table per ISO 9001 9.3.2 input);
 * and its history as sentences.
 */
export interface RecordPageState {
  viewer: Viewer;
  instance: InstanceView;
  /** The process's name as authored in its definition ("Corrective and preventive action"). */
  processName?: string;
  /** The name of a BPMN element of the record's definition (a service task's), by id. */
  elementName(id: string): string | undefined;
  names: Names;
  /** The forms of the record's version, by user task (labels and options of its data). */
  forms: Map<string, FormField[]>;
  /** Every process's authored name by key, for figures counted by process. */
  processNames: Map<string, string>;
  /** A clause of the catalogue in words, by its record id. */
  clauseText(id: string): string | undefined;
  /** What an iteration of a multi-instance task was for ("Clause 8.4 …"). */
  iterationLabel(item: unknown): string;
  linked: LinkedRow[];
  titleFields?: readonly string[];
  now: Date;
  /** A value of a pack's field type in the reader's words (ProcessPack.fieldTypes); absent: shown as data. */
  packValue?(type: string, value: unknown): string | undefined;
  /** An automatic step's result in the pack's words (ProcessPack.stepResults); [] hides it; undefined: shown as data. */
  stepResults?(elementId: string, value: unknown): StepResult[] | undefined;
}

/** The process's name in the reader's language (a pack's translation while the name is as shipped). */
function useProcessName(key: string, authored: string | undefined): string {
  const { translated } = useReader();
  return authored ? translated(`${key}.process.name`, authored) : key;
}

function Header({ state, lookups }: { state: RecordPageState; lookups: ValueLookups }) {
  const reader = useReader();
  const { t, translated } = reader;
  const { instance, names, now } = state;
  const process = useProcessName(instance.key, state.processName);
  const latest = latestOpenTask(instance.tasks, now);
  const start = startData(reader, instance.key, instance.variables ?? {}, knownFields(reader, instance.key, state.forms, instance.tasks), lookups, linkedIdsOf(instance));
  return (
    <>
      <p class="ims-record-tags">
        <span class={`usa-tag ims-tag--status-${instance.status}`}>{t('values.status', { status: instance.status })}</span>
        {latest && (isOverdue(latest, now) || escalationLevel(latest) > 0) ? (
          <>
            {' '}
            <TaskBadges task={latest} now={now} />
          </>
        ) : null}
      </p>
      <dl class="ims-factlist ims-record-facts" aria-label={t('records.facts.label')}>
        <div class="ims-fact">
          <dt>{t('records.facts.process')}</dt>
          <dd>{t('records.facts.version', { process, version: instance.version })}</dd>
        </div>
        <div class="ims-fact">
          <dt>{t('records.facts.number')}</dt>
          <dd>{instance.businessKey}</dd>
        </div>
        <div class="ims-fact">
          <dt>{t('records.facts.site')}</dt>
          <dd>{instance.site ? <SiteName site={instance.site} otherwise={translated(`sites.${instance.site}.name`, instance.site.charAt(0).toUpperCase() + instance.site.slice(1))} /> : <span class="hint">{t('records.facts.noSite')}</span>}</dd>
        </div>
        <div class="ims-fact">
          <dt>{t('records.facts.started')}</dt>
          <dd>{reader.rich('records.facts.startedBy', { when: <When iso={instance.startedAt} />, person: names.get(instance.startedBy) ?? instance.startedBy })}</dd>
        </div>
        {instance.endedAt ? (
          <div class="ims-fact">
            <dt>{t('records.facts.ended')}</dt>
            <dd>
              <When iso={instance.endedAt} />
            </dd>
          </div>
        ) : null}
      </dl>
      <ZoneNote />
      {start.length ? (
        <section aria-labelledby="start-data">
          <h2 id="start-data">{t('records.data.start')}</h2>
          <Facts entries={start} />
        </section>
      ) : null}
    </>
  );
}

/** The ids of the records this one is linked to: start data holding one names a record the linked records show. */
function linkedIdsOf(instance: InstanceView): ReadonlySet<string> {
  return new Set((instance.links ?? []).map((link) => link.instanceId));
}

function Problems({ instance, elementName }: { instance: InstanceView; elementName: RecordPageState['elementName'] }) {
  const { t } = useReader();
  const incidents = instance.incidents.filter((i) => i.status === 'open');
  if (!incidents.length) return null;
  return (
    <Notice kind="alert">
      <p>{t('records.problems', { count: incidents.length })}</p>
      <ul>
        {incidents.map((i) => (
          <li key={i.id}>
            {i.message} {i.elementId ? t('records.problemAt', { step: elementName(i.elementId) ?? i.elementId }) : null}
          </li>
        ))}
      </ul>
    </Notice>
  );
}

function stepName(reader: ReturnType<typeof useReader>, task: Pick<TaskRecord, 'definitionKey' | 'elementId' | 'name'>): string {
  return reader.translated(`${task.definitionKey}.${task.elementId}.name`, task.name);
}

function CurrentSteps({ state }: { state: RecordPageState }) {
  const reader = useReader();
  const { t } = reader;
  const { instance, names, now } = state;
  const open = instance.tasks.filter((task) => task.status === 'open');
  return (
    <section aria-labelledby="current-steps">
      <h2 id="current-steps">{t('records.steps.heading', { count: Math.max(open.length, 1) })}</h2>
      {open.length ? (
        <ul class="ims-steps">
          {open.map((task) => {
            const label = task.iteration ? state.iterationLabel(task.iteration.item) : '';
            // "Review action 2: Extend barcode checks" needs no "(for Extend barcode checks)" after it
            const item = label && !task.name.includes(label) ? label : '';
            return (
              <li key={task.id}>
                <a href={`/tasks/${task.id}`}>{stepName(reader, task)}</a>
                {item ? ` ${t('records.steps.for', { item })}` : ''} · {t('records.steps.holder', { holder: task.assignee ? (names.get(task.assignee) ?? task.assignee) : roleText(reader, task.candidateRole) })}
                {task.dueAt ? <> · {reader.rich('records.steps.due', { due: <When iso={task.dueAt} /> })}</> : null} <TaskBadges task={task} now={now} />
              </li>
            );
          })}
        </ul>
      ) : (
        <p>{instance.status === 'running' ? t('records.steps.waiting') : t('records.steps.closed')}</p>
      )}
    </section>
  );
}

function roleText(reader: ReturnType<typeof useReader>, role: string | undefined): string {
  return role ? reader.t('values.role', { role: role.replace(/[^A-Za-z0-9]+/g, '_'), label: role }) : '';
}

function CompletedTask({ task, state, lookups, packShown }: { task: TaskRecord; state: RecordPageState; lookups: ValueLookups; packShown: boolean }) {
  const reader = useReader();
  const { t } = reader;
  const { instance, names } = state;
  // a management review's preparation reports the pack's inputs: they are read there, under each input
  const leaveOut = packShown && task.elementId === 'prepare' ? Object.values(REPORTED_FIELDS).flat() : [];
  const facts = taskData(reader, task, lookups, leaveOut);
  const item = task.iteration ? state.iterationLabel(task.iteration.item) : '';
  return (
    <section aria-labelledby={`task-${task.id}`} class="ims-task-data">
      <h3 id={`task-${task.id}`}>{stepName(reader, task)}</h3>
      <p class="hint">{reader.rich('records.task.completedBy', { person: task.completedBy ? (names.get(task.completedBy) ?? task.completedBy) : '', when: <When iso={task.completedAt} /> })}</p>
      {item ? <p class="iteration">{t('records.task.for', { item })}</p> : null}
      {facts.length ? <Facts entries={facts} /> : <p class="hint">{t('records.task.noData')}</p>}
      {leaveOut.length ? <p class="hint">{t('records.task.inPack')}</p> : null}
      {instance.signatures
        .filter((s) => s.taskId === task.id)
        .map((s) =>
          s.valid ? (
            <p class="signed" key={s.id}>
              {t('records.signed', { manifestation: manifestationText(reader, s.manifestation) })}
            </p>
          ) : (
            <Notice kind="alert" key={s.id}>
              <p>{t('records.signatureBroken', { manifestation: manifestationText(reader, s.manifestation), changes: (s.changes ?? []).join('; ') })}</p>
            </Notice>
          ),
        )}
    </section>
  );
}

/**
 * The signature's manifestation (21 CFR 11.50: printed name, date and time, meaning) in the reader's words,
 * the time on their clock with the zone named.
 */
function manifestationText(reader: ReturnType<typeof useReader>, m: Pick<Manifestation, 'printedName' | 'meaning' | 'signedAt'>): string {
  return reader.t('records.manifestation', { meaning: m.meaning, name: m.printedName, when: reader.dateTime(m.signedAt), zone: reader.zoneName() });
}

function AutomaticResults({ state, lookups, packShown }: { state: RecordPageState; lookups: ValueLookups; packShown: boolean }) {
  const { t } = useReader();
  const { instance } = state;
  // a pack may word its steps' results, or hide one that means nothing to a person ([])
  const worded = new Map(automaticResults(instance.output ?? {}, instance.tasks).map(([key, value]) => [key, state.stepResults?.(key, value)]));
  const results = automaticResults(instance.output ?? {}, instance.tasks).filter(([key]) => worded.get(key)?.length !== 0);
  if (!results.length) return null;
  return (
    <section aria-labelledby="automatic">
      <h2 id="automatic">{t('records.automatic.heading')}</h2>
      {results.map(([key, value]) =>
        packShown && key === 'inputPack' ? (
          <InputPack key={key} instance={instance} lookups={lookups} processNames={state.processNames} />
        ) : (
          <AutomaticResult key={key} name={state.elementName(key)} elementKey={key} processKey={instance.key} value={value} lookups={lookups} worded={worded.get(key)} />
        ),
      )}
    </section>
  );
}

function AutomaticResult({ name, elementKey, processKey, value, lookups, worded }: { name?: string; elementKey: string; processKey: string; value: unknown; lookups: ValueLookups; worded?: StepResult[] | undefined }) {
  const { translated } = useReader();
  const title = name ? translated(`${processKey}.${elementKey}.name`, name) : elementKey;
  return (
    <section aria-label={title} class="ims-task-data">
      <h3>{title}</h3>
      {worded ? <Facts entries={worded.map(factOf)} /> : <AutomaticValue value={value} lookups={lookups} />}
    </section>
  );
}

/** A pack's worded result as a fact: a text, or a list of texts. */
function factOf(result: StepResult, index: number): Fact {
  const value: Shown = typeof result.value === 'string' ? { kind: 'text', text: result.value } : { kind: 'list', items: result.value.map((text) => ({ kind: 'text', text })), more: 0 };
  return { key: `result-${index}`, label: result.label, value };
}

function AutomaticValue({ value, lookups }: { value: unknown; lookups: ValueLookups }) {
  return <ShownValue value={showAny(value, lookups)} />;
}

export function RecordPage({ state }: { state: RecordPageState }) {
  const reader = useReader();
  const { t } = reader;
  const { instance, names } = state;
  const lookups: ValueLookups = { personName: (id) => names.get(id), clauseText: state.clauseText, ...(state.packValue && { packValue: state.packValue }) };
  const title = recordTitle(instance, state.titleFields).text;
  const done = instance.tasks.filter((task) => task.status === 'completed').sort((a, b) => (a.completedAt ?? '').localeCompare(b.completedAt ?? ''));
  const open = instance.tasks.filter((task) => task.status === 'open');
  const active = [...new Set([...open.map((task) => task.elementId), ...instance.incidents.filter((i) => i.status === 'open').flatMap((i) => (i.elementId ? [i.elementId] : []))])];
  const packShown = instance.key === 'management-review' && hasInputPack(instance.output ?? {});
  const tasksById = new Map(instance.tasks.map((task) => [task.id, task]));
  const linkedIds = linkedIdsOf(instance);
  return (
    <Shell
      title={title}
      viewer={state.viewer}
      head={
        <>
          <link rel="stylesheet" href="/assets/viewer.css" />
          <script src="/assets/viewer.js" defer></script>
        </>
      }
    >
      <Problems instance={instance} elementName={state.elementName} />
      <Header state={state} lookups={lookups} />
      <LinkedRecords rows={state.linked} record={instance.businessKey} />
      <CurrentSteps state={state} />
      <WaitingFor jobs={instance.waitingOn ?? []} processKey={instance.key} names={names} elementName={state.elementName} />
      <div
        id="diagram"
        data-bpmn-url={`/api/definitions/${encodeURIComponent(instance.key)}/versions/${encodeURIComponent(String(instance.version))}`}
        data-active={active.join(',')}
      ></div>
      <section aria-labelledby="data-entered">
        <h2 id="data-entered">{t('records.data.heading')}</h2>
        {done.length ? done.map((task) => <CompletedTask key={task.id} task={task} state={state} lookups={lookups} packShown={packShown} />) : <p>{t('records.data.none')}</p>}
      </section>
      <AutomaticResults state={state} lookups={lookups} packShown={packShown} />
      <section aria-labelledby="history">
        <h2 id="history">{t('records.history.heading')}</h2>
        <HistoryTable
          events={instance.history}
          names={names}
          caption={t('history.caption', { record: instance.businessKey })}
          group
          lookups={{ task: (id) => tasksById.get(id), linkedIds, variableFields: knownFields(reader, instance.key, state.forms, instance.tasks), ...(state.packValue && { packValue: state.packValue }) }}
        />
      </section>
    </Shell>
  );
}

export function sendRecordPage(res: Response, state: RecordPageState): void {
  sendDocument(res, 200, <RecordPage state={state} />);
}
