import type { StepResult, StepResultsReader } from '../../engine/packs.js';
import { DOCUMENT_AREAS, DOCUMENT_TYPES } from './config.js';
import { listOf } from './numbering.js';
import { roleWords } from './pickers.js';

/**
 * Document control's automatic steps' results as people read them on the record page (ProcessPack.stepResults):
 * the number, title, type and area in the start form's words, sites by their register names, processes and
 * people by name, roles in the reader's language, instants on their clock. What the engine alone needs
 * (a review check that found no later version) is hidden; a step not worded here shows as data.
 */

const WORDS = 'document-control-fields.result';

type Output = Record<string, unknown>;

const isOutput = (value: unknown): value is Output => typeof value === 'object' && value !== null && !Array.isArray(value);
const textOf = (value: unknown): string => (typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '');

/** The results that have something to say, each labelled in the reader's language. */
function facts(reader: StepResultsReader, entries: [string, string | readonly string[] | undefined][]): StepResult[] {
  return entries.filter(([, value]) => (Array.isArray(value) ? value.length > 0 : Boolean(value))).map(([key, value]) => ({ label: reader.t(`${WORDS}.${key}`), value: value! }));
}

function instant(reader: StepResultsReader, value: unknown): string | undefined {
  const iso = textOf(value);
  return iso && !Number.isNaN(Date.parse(iso)) ? reader.dateTime(iso) : undefined;
}

/** A review or retention period ("P2Y") in words ("2 years"); other durations are not the pack's. */
function period(reader: StepResultsReader, value: unknown): string | undefined {
  const years = /^P(\d+)Y$/.exec(textOf(value))?.[1];
  return years ? reader.t(`${WORDS}.years`, { count: Number(years) }) : undefined;
}

/** The start form's option label of a document type or area, in the reader's language. */
function option(reader: StepResultsReader, field: 'type' | 'area', value: unknown): string | undefined {
  const key = textOf(value);
  const known = field === 'type' ? Object.hasOwn(DOCUMENT_TYPES, key) : (DOCUMENT_AREAS as readonly string[]).includes(key);
  if (!key) return undefined;
  return known ? reader.t(`document-control.started.field.${field}.option.${key}`) : key;
}

const roles = (reader: StepResultsReader, value: unknown): string[] => listOf(value).map((role) => roleWords(role, reader));

function numbering(reader: StepResultsReader, out: Output): StepResult[] {
  const reviewers = Array.isArray(out.reviewers) ? out.reviewers.map((r) => (isOutput(r) ? textOf(r.role) : textOf(r))) : [];
  return facts(reader, [
    ['number', textOf(out.number)],
    ['revision', textOf(out.revision)],
    ['revises', textOf(out.revises)],
    ['title', textOf(out.title)],
    ['type', option(reader, 'type', out.type)],
    ['area', option(reader, 'area', out.area)],
    ['sites', listOf(out.sites).map((site) => reader.siteName(site) ?? site)],
    ['owner', textOf(out.owner) ? (reader.personName(textOf(out.owner)) ?? textOf(out.owner)) : undefined],
    ['processes', listOf(out.processes).map((process) => reader.processName(process) ?? process)],
    ['reviewers', roles(reader, reviewers)],
    ['trainingRoles', roles(reader, out.trainingRoles)],
  ]);
}

function reviewOutcome(reader: StepResultsReader, out: Output): StepResult[] {
  return facts(reader, [
    ['outcome', reader.t(`${WORDS}.outcome.${out.changesNeeded === true ? 'changes' : 'approved'}`)],
    ['asking', roles(reader, out.asking)],
    ['rounds', typeof out.rounds === 'number' ? String(out.rounds) : undefined],
  ]);
}

function training(reader: StepResultsReader, out: Output): StepResult[] {
  const people = Array.isArray(out.people) ? out.people.map((id) => reader.personName(textOf(id)) ?? textOf(id)).filter(Boolean) : [];
  return facts(reader, [
    ['trainees', people.length ? people : reader.t(`${WORDS}.nobody`)],
    ['trainingDue', people.length ? instant(reader, out.dueAt) : undefined],
  ]);
}

function reviewCheck(reader: StepResultsReader, out: Output): StepResult[] {
  // a version nothing superseded goes on to its periodic review: there is nothing to tell
  if (out.superseded !== true) return [];
  return facts(reader, [['supersededBy', reader.t(`${WORDS}.supersededBy.value`, { revision: textOf(out.revision) || '?', record: textOf(out.by) || '?' })]]);
}

/** The pack's worded results by service task (document-control.bpmn's element ids). */
const WORDED: Record<string, (reader: StepResultsReader, out: Output) => StepResult[]> = {
  numbering,
  reviewOutcome,
  training,
  effective: (reader, out) => facts(reader, [['effectiveAt', instant(reader, out.effectiveAt)]]),
  reviewPlan: (reader, out) => facts(reader, [['reviewDue', instant(reader, out.due)], ['reviewPeriod', period(reader, out.period)]]),
  reviewCheck,
  revise: (reader, out) => facts(reader, [['nextVersion', reader.t(`${WORDS}.revisionKind.${out.revisionKind === 'minor' ? 'minor' : 'major'}`)]]),
  withdraw: (reader, out) => facts(reader, [['obsoleteAt', instant(reader, out.obsoleteAt)], ['retainUntil', instant(reader, out.retainUntil)]]),
};

/** ProcessPack.stepResults of document control. */
export function documentStepResults(elementId: string, value: unknown, reader: StepResultsReader): StepResult[] | undefined {
  const word = Object.hasOwn(WORDED, elementId) ? WORDED[elementId] : undefined;
  return word && isOutput(value) ? word(reader, value) : undefined;
}
