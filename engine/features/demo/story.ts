import type { ProcessEngine } from '../../process-engine.js';
import type { TaskRecord } from '../../kernel/model.js';

/**
 * The demo story (`npm run demo`) as the packs tell it: each pack may carry a chapter, its records and what
 * happens to them over about two months; the demo frame (scripts/demo.ts) sets up the people and sites and
 * plays the chapters of the packs it is handed. The chapters interleave in time (the audit's CAPA is triaged
 * while the gap analysis is still open) and the clock only moves forward, so a chapter does not run its
 * events itself: it tells them to the story, and the frame plays every chapter's events in the order they
 * happened, running the jobs that fall due in between at their own time.
 */
export interface DemoChapter {
  /**
   * Packs whose chapters are told before this one, because it takes records they leave (`story.take`).
   * A pack named here that is not handed in is passed over; its records are then simply not there.
   */
  after?: readonly string[];
  /** Tells the chapter's events to the story. */
  play(story: DemoStory): void;
}

/**
 * A moment of the demo's past: a day and a UTC time of day (`'09:30'`), or some hours before the seeding.
 * The story's clock starts 60 days back, or earlier when a chapter tells of something older (a document
 * approved two years ago, its periodic review coming due now).
 */
export type DemoMoment = { daysAgo: number; time: string } | { hoursAgo: number };

/** Someone of the demo organization. */
export interface DemoPerson {
  id: string;
  name: string;
  roles: readonly string[];
  sites: readonly string[];
  managerId?: string;
}

/**
 * A record of the story is named by its chapter (`'capa-complaint'`); a record another one started is
 * `<name>/<n>`, the n-th record it started (the internal audit a programme started, the CAPA a finding raised).
 */
export type DemoRecord = string;

/** A record started by someone who may start it. */
export interface DemoStart {
  process: string;
  site: string;
  by: string;
  /** The start form's values, or made from the day (YYYY-MM-DD) it is started on (a date the form asks for). */
  variables?: Record<string, unknown> | ((day: string) => Record<string, unknown>);
}

/** A user task of a record completed by whoever holds it (checked as the API checks it). */
export interface DemoCompletion {
  /** The user task's BPMN element id. */
  task: string;
  by: string;
  /** Form data, or made from the task (an iteration's clause) and the day (YYYY-MM-DD) it is completed on. */
  data: Record<string, unknown> | ((task: TaskRecord, day: string) => Record<string, unknown>);
  /** Which open task of that element, when several are (multi-instance iterations). */
  which?: (task: TaskRecord) => boolean;
  /** Complete every open task of that element (that `which` accepts), each with its own data. */
  all?: boolean;
  /**
   * Files for the task's file fields, by field key: uploaded to the task by the person completing it, as the
   * upload endpoint would (checked by content, stored in the data folder, recorded), and put in the data.
   */
  files?: Record<string, () => Promise<DemoFile>>;
}

/** A file a demo chapter makes (a small PDF): its name, its type and its bytes. */
export interface DemoFile {
  name: string;
  contentType: string;
  bytes: Uint8Array;
}

/** What a chapter is handed to tell its part. */
export interface DemoStory {
  /** The organization: every person with their roles and sites. */
  readonly people: readonly DemoPerson[];
  /** The sites, by key (`dublin`, `basel`). */
  readonly sites: readonly string[];
  /** Who set the demo up: the actor of set-up work such as schedules (task work is done by the people). */
  readonly seeder: string;
  /** The id of the n-th person (from 1) holding `role` at `site` (any site when omitted); throws when there is none. */
  person(role: string, site?: string, nth?: number): string;

  /** At `at`, `by` starts the record named `record`. */
  start(at: DemoMoment, record: DemoRecord, start: DemoStart): void;
  /** At `at`, the named record's open task is completed. */
  complete(at: DemoMoment, record: DemoRecord, completion: DemoCompletion): void;
  /** At `at` (`'now'`: after the history, so what it makes lies ahead), set-up work through the engine. */
  act(at: DemoMoment | 'now', action: (imsflow: ProcessEngine) => Promise<unknown>): void;

  /** Leaves a record under `name` for a later chapter (one that names this pack in `after`). */
  leave(name: string, record: DemoRecord): void;
  /** The record an earlier chapter left under `name`, or undefined when its pack was not handed in. */
  take(name: string): DemoRecord | undefined;
}

/** The day (YYYY-MM-DD) `days` after `day`: planned dates relative to the day a form is filled. */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The clause an iteration task is for (gap assessments, audit checklist items), or ''. */
export function clauseOf(task: TaskRecord): string {
  return String((task.iteration?.item as { clause?: unknown } | undefined)?.clause ?? '');
}

/** The organization the chapters are told in: the demo frame's people and sites. */
export interface DemoSetting {
  people: readonly DemoPerson[];
  sites: readonly string[];
  seeder: string;
}

/** One event of the story: a record started, one of its tasks completed, or set-up work; told by `pack`. */
export interface DemoEvent {
  pack: string;
  at: DemoMoment | 'now';
  record?: DemoRecord;
  start?: DemoStart;
  complete?: DemoCompletion;
  act?: (imsflow: ProcessEngine) => Promise<unknown>;
}

/**
 * Every event of the chapters of `packs`, in the order told: a chapter after the chapters it takes records
 * from, otherwise in the order the packs are handed in. A pack without a chapter is skipped. The frame plays
 * them in the order they happened (ties in the order told).
 */
export function tellDemoStory(packs: readonly { key: string; demo?: DemoChapter }[], setting: DemoSetting): DemoEvent[] {
  const chapters = packs.filter((pack) => pack.demo);
  const present = new Set(chapters.map((pack) => pack.key));
  const told = new Set<string>();
  const shelf = new Map<string, DemoRecord>();
  const events: DemoEvent[] = [];
  while (told.size < chapters.length) {
    const ready = chapters.find((pack) => !told.has(pack.key) && (pack.demo!.after ?? []).every((key) => told.has(key) || !present.has(key)));
    if (!ready) throw new Error(`the demo chapters wait on each other: ${chapters.filter((pack) => !told.has(pack.key)).map((pack) => pack.key).join(', ')}`);
    told.add(ready.key);
    const pack = ready.key;
    ready.demo!.play({
      ...setting,
      person(role, site, nth = 1) {
        const found = setting.people.filter((p) => p.roles.includes(role) && (site === undefined || p.sites.includes(site)))[nth - 1];
        if (!found) throw new Error(`the demo organization has no ${role}${site ? ` at ${site}` : ''}${nth > 1 ? ` number ${nth}` : ''} (chapter ${pack})`);
        return found.id;
      },
      start(at, record, start) {
        events.push({ pack, at, record, start });
      },
      complete(at, record, complete) {
        events.push({ pack, at, record, complete });
      },
      act(at, act) {
        events.push({ pack, at, act });
      },
      leave(name, record) {
        if (shelf.has(name)) throw new Error(`the demo chapter ${pack} leaves "${name}", already left by an earlier chapter`);
        shelf.set(name, record);
      },
      take: (name) => shelf.get(name),
    });
  }
  return events;
}
