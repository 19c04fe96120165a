import type { Catalogue } from './features/catalogue/index.js';
import type { DemoChapter } from './features/demo/index.js';
import type { PackFigure } from './features/dashboard/index.js';
import { eventTrendsFigure, type PackEvent, type PackRemedy } from './features/events/index.js';
import type { PackInboundType } from './features/inbound/index.js';
import type { InstanceView } from './features/instances/index.js';
import type { FieldTypeReader, PackFieldType } from './kernel/field-types.js';
import type { MessageSet, Reader } from './kernel/i18n/index.js';
import type { InstanceRecord } from './kernel/model.js';
import { ServiceRegistry, type RecordReader } from './kernel/services.js';
import type { SiteRecord } from './kernel/site.js';

/**
 * A process pack as the engine sees it: one shipped process (its folder under processes/) described by a
 * manifest. The engine never imports a pack: the entry point (api/main, workers/main, scripts) picks the
 * packs and hands them over, so engine/ knows no IMS process by name.
 */
export interface ProcessPack {
  /** The BPMN process id, also the process key of its versions (`capa`, `nonconformity` …). */
  key: string;
  /** The `ims:businessKeyPrefix` its records' business keys start with (`CAPA` → `CAPA-2026-0001`). */
  businessKeyPrefix: string;
  /** The `ims:ownerRole` that owns the process. */
  ownerRole: string;
  /** Its BPMN: the file name (as logged at deploy) and a loader for the XML. */
  bpmn: { file: string; xml(): string };
  /** Registers the services its service tasks call (`ims:service="…"`); absent when it calls none. */
  services?: (registry: ServiceRegistry, deps: PackServiceDeps) => void;
  /** Its piece of the demo story (`npm run demo`, engine/features/demo/story.ts); a pack without one is skipped. */
  demo?: DemoChapter;
  /** What its records contribute to the dashboard (processes/<key>/figures.ts): projections, sections, lists. */
  figures?: PackFigure[];
  /**
   * Its words in every language (processes/<key>/locales/<language>/<key>.json: process, step, field and
   * option names by element id), so the BPMN stays one file; absent: shown as authored.
   */
  messages?: MessageSet;
  /** The start-form fields that name one of its records, first found wins ("title", "area"): its title on every page. */
  titleFields?: string[];
  /** JSON routes it adds to the API, under /api (api/pack-routes.ts). */
  routes?: PackRoute[];
  /** Pages it adds for people, rendered from the view model it builds (api/pages/pack/). */
  pages?: PackPage[];
  /**
   * The form-field types it brings (`document`): any pack's BPMN may use them in an ims:field's `type`
   * while this pack is handed over; forms offer, check and show their values through them.
   */
  fieldTypes?: PackFieldType[];
  /** Its records are quality or EHS events: how each is classified for recurrence and trends (engine/features/events). */
  event?: PackEvent;
  /** The inbound event types that start one of its records (POST /api/events, engine/features/inbound), with the existing idempotency. */
  inbound?: PackInboundType[];
  /** Public intake pages (`/<path>/:site`): anyone, without an account, starts one of its records (api/pages/intake/). */
  intake?: PackIntake[];
  /**
   * Its records are corrective actions whose effectiveness a recurring event reopens: their classification,
   * when they closed as effective, and the start of its own process that re-checks (engine/features/events).
   */
  remedy?: PackRemedy;
  /**
   * Its automatic steps' results in words, for the record page: what the service task `elementId` put in
   * the record's output (`value`), as labelled facts; [] hides a result that means nothing to a person;
   * undefined shows it as data (as a pack without this does).
   */
  stepResults?(elementId: string, value: unknown, reader: StepResultsReader): StepResult[] | undefined;
}

/** One labelled result of an automatic step, as a person reads it: a text, or a list of texts. */
export interface StepResult {
  label: string;
  value: string | readonly string[];
}

/** Who reads an automatic step's results: their language, the installation's messages, and names of what keys name. */
export interface StepResultsReader extends FieldTypeReader {
  t(id: string, values?: Record<string, unknown>): string;
  translated(id: string, authored: string, values?: Record<string, unknown>): string;
  /** A site's name in the site register; undefined when it knows none. */
  siteName(key: string): string | undefined;
  /** A deployed process's name in the reader's language; undefined when none is deployed by that key. */
  processName(key: string): string | undefined;
  /** A person's name in the directory; undefined when unknown. */
  personName(id: string): string | undefined;
  /** An instant (ISO timestamp) as a date and time on the reader's clock. */
  dateTime(iso: string): string;
  /** A calendar date (YYYY-MM-DD) in the reader's format. */
  calendarDate(ymd: string): string;
}

/**
 * A public intake page (`/<path>/:site`, e.g. /report/dublin): usable without an account from a phone, it
 * asks some of the pack's start-form fields and starts a record at that site through the engine's start
 * command, the actor `intake:<site>` (anonymous intake). Rate limited per address (`perMinute`), size
 * limited, a photo checked by its content (PNG or JPEG). The sender sees a receipt reference (kept in the
 * record's `intakeReceipt` variable) and nothing about any record. `/<path>/:site/poster` (signed in) is a
 * printable page with a QR code to the form, per `preset` value (`?area=warehouse`).
 */
export interface PackIntake {
  /** The first path segment: `report` → /report/:site. */
  path: string;
  /** The start-form fields asked, in this order (their words are the start form's); a file field takes one photo. */
  fields: string[];
  /** A select field the page's query may preset (`?area=warehouse`): the poster prints one QR code per option. */
  preset?: string;
  /** The pack's message ids for the page's own words: title and intro ({site}), the receipt's text, the poster's title and text ({site}, {area}). */
  messages: { title: string; intro: string; receipt: string; poster: string; posterText: string };
  /** Reports accepted per address per minute (the next is refused with 429); 10 when absent. */
  perMinute?: number;
}

export type { FieldChoice, FieldTypeContext, FieldTypeReader, PackFieldType } from './kernel/field-types.js';
export type { PackInboundType } from './features/inbound/index.js';

/** What a pack's services may need from their surroundings. */
export interface PackServiceDeps {
  /** The clause catalogue (gap analysis scope, audit checklists). */
  catalogue: Catalogue;
  /** The packs handed over whose records are events (ProcessPack.event): trends across sources (management review 9.3.2 c). */
  events?: readonly { key: string; event: PackEvent }[];
}

/**
 * The services of the packs handed over, in one registry: the API process, the workers and the demo build
 * theirs from the same packs, so a shipped BPMN naming a service none of them registers is refused.
 */
export function registerPackServices(packs: readonly ProcessPack[], deps: PackServiceDeps, registry: ServiceRegistry = new ServiceRegistry()): ServiceRegistry {
  const events = deps.events ?? packs.flatMap((pack) => (pack.event ? [{ key: pack.key, event: pack.event }] : []));
  for (const pack of packs) pack.services?.(registry, { ...deps, events });
  return registry;
}

/** The figures of the packs handed over, in the packs' order, then the events' trends across them (when a pack has events). */
export function packFigures(packs: readonly ProcessPack[]): PackFigure[] {
  const trends = eventTrendsFigure(packs);
  return [...packs.flatMap((pack) => pack.figures ?? []), ...(trends ? [trends] : [])];
}

// ---- what a pack brings to the HTTP API and the pages ---------------------------------------------------

/**
 * Who may call a pack's route or open its page: any signed-in person, the overseers (the roles that see
 * every record of their sites: admin, quality manager, process owner, auditor, steering committee), or
 * a list of roles (admins always pass). Sites still scope what the context reads.
 */
export type PackAccess = 'signed-in' | 'overseers' | readonly string[];

/** Who asks: the signed-in person, with the language and time zone they read in (their own, their site's, the installation's). */
export interface PackUser {
  id: string;
  name: string;
  roles: readonly string[];
  /** Their sites; undefined: every site (admins). */
  sites?: readonly string[];
  locale: string;
  timeZone: string;
}

/** A request to a pack's route or page: its path parameters, its query (one value each), its JSON body (routes), who asks. */
export interface PackRequest {
  params: Record<string, string>;
  query: Record<string, string>;
  body: unknown;
  user: PackUser;
}

/** A file a pack's route answers with (a controlled copy): sent as a download unless `disposition` is inline. */
export interface PackFile {
  bytes: Uint8Array;
  contentType: string;
  /** The file name the browser saves it under. */
  name: string;
  disposition?: 'attachment' | 'inline';
}

/** A pack route's answer: JSON (status 200 unless given) or a file. Refusals are thrown as the engine's errors. */
export type PackReply = { json: unknown; status?: number } | { file: PackFile };

/** A stored upload (a file field's value) as the attachment reader hands it out. */
export interface PackAttachment extends PackFile {
  sha256: string;
  size: number;
}

/** The words and formats of the person asking: the pack's messages (ProcessPack.messages) and the pages'. */
export type PackReader = Pick<Reader, 'locale' | 'language' | 'timeZone' | 't' | 'translated' | 'dateTime' | 'day' | 'calendarDate' | 'number'>;

/** The records a pack's route or page reads, as the person asking may: only records of their sites (and of no site). */
export interface PackRecords extends RecordReader {
  /** One record with its tasks, signatures (each checked against the data as stored now) and history; undefined when unknown or of another site. */
  record(id: string): Promise<InstanceView | undefined>;
  /** Whether the person may open this record's own page (they oversee, started it, hold or completed one of its tasks). */
  mayOpen(record: Pick<InstanceRecord, 'id' | 'site' | 'startedBy'>): Promise<boolean>;
}

/**
 * What a pack's route or page may use: reads only, through the engine's queries, scoped to the person
 * asking, and an audit event of what they did. Writes go through the engine's commands (start a record,
 * complete a task) over the ordinary API.
 */
export interface PackContext {
  records: PackRecords;
  /**
   * The records of every site, for what applies beyond the site it was started at (a procedure started at
   * Dublin that Basel follows too): the pack decides who may see which of them, and says so in its code.
   */
  everySite: RecordReader;
  /** The site register (names, locales, zones; inactive ones too). */
  sites(): Promise<SiteRecord[]>;
  /** The engine's clock (a fake one in tests). */
  now(): Date;
  /**
   * The bytes of a file uploaded to a file field of `instanceId`, when that record is of the person's
   * sites (with `everySite`, of any site: the pack checked who may see it) and the upload register holds
   * such an upload; else NotFoundError. Whether to serve it further (only effective versions, say) is the
   * pack's decision.
   */
  attachment(instanceId: string, sha256: string, options?: { everySite?: boolean }): Promise<PackAttachment>;
  /**
   * Leaves an audit event for something the person did that changes no record but must be traceable (a
   * controlled copy downloaded): action `<pack key>.<action>`, actor the person asking, in its own commit.
   * The one write a pack's route may make; everything else goes through the engine's commands.
   */
  audit(event: { action: string; target: string; instanceId?: string; details?: Record<string, unknown> }): Promise<void>;
  /** Where this installation is reached (IMSFLOW_BASE_URL), for links printed on files and sent in emails. */
  baseUrl: string;
  reader: PackReader;
}

/** A sample request that passes authorization, for the tests that call every route and open every page. */
export interface PackExample {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

/**
 * A JSON route a pack adds to the API, mounted under /api (`/documents/:number` → GET /api/documents/:number),
 * listed in /api/openapi.json. Bad input: throw ValidationError naming the field (400); unknown or not of
 * the person's sites: NotFoundError (404); not allowed: NotPermittedError (403).
 */
export interface PackRoute {
  method: 'GET' | 'POST';
  /** An express path below /api: `/documents/:number/effective`. */
  path: string;
  /** One line for the API document. */
  summary: string;
  access: PackAccess;
  /** The query parameters it reads, each with what it means (for the API document). */
  query?: Record<string, string>;
  /** Its answers by status, for the API document (200 and the refusals it throws). */
  responses?: Record<number, string>;
  example: PackExample;
  handle(request: PackRequest, context: PackContext): Promise<PackReply>;
}

// ---- a pack page: a view model the platform renders (api/pages/pack/PackPage.tsx) -----------------------

/** The look of a badge; always with words, never colour alone. */
export type PackTone = 'neutral' | 'done' | 'pending' | 'approved' | 'rejected' | 'overdue' | 'due-soon';

/**
 * One value on a pack page. Plain text as it stands (already in the reader's words); the others are
 * formatted for the reader: an instant on their clock, a calendar date, a person by name, a site by name.
 */
export type PackCell =
  | string
  | { kind: 'link'; text: string; href: string }
  | { kind: 'time'; iso: string }
  | { kind: 'day'; iso: string }
  | { kind: 'date'; ymd: string }
  | { kind: 'person'; id: string }
  | { kind: 'site'; key: string }
  | { kind: 'badge'; text: string; tone?: PackTone }
  | { kind: 'number'; value: number }
  | { kind: 'list'; items: PackCell[] };

/** A field of a page's search or filter form (a GET form: the page is opened again with the query). */
export interface PackFormField {
  /** The query parameter. */
  name: string;
  label: string;
  hint?: string;
  type: 'search' | 'text' | 'date' | 'select' | 'checkbox';
  /** What it holds now (for a checkbox: 'true' when ticked). */
  value?: string;
  /** For a select: the choices; an empty first choice ("any") is added by `any`. */
  options?: { value: string; label: string }[];
  any?: string;
  /** What is wrong with what was typed, in the reader's words. */
  error?: string;
}

export type PackBlock =
  | { kind: 'form'; label: string; fields: PackFormField[]; submit: string; clear?: string; role?: 'search' | 'filter' }
  | { kind: 'facts'; heading?: string; facts: { label: string; value: PackCell }[] }
  | { kind: 'table'; heading?: string; caption: string; columns: { key: string; label: string }[]; rows: Record<string, PackCell>[]; empty?: string }
  | { kind: 'notice'; tone: 'success' | 'error' | 'warning' | 'info'; text: string }
  | { kind: 'downloads'; heading?: string; links: { text: string; href: string; note?: string }[] }
  | { kind: 'text'; text: string }
  | { kind: 'section'; heading: string; blocks: PackBlock[] };

/** What a pack page shows, in the reader's words (context.reader.t with the pack's messages). */
export interface PackView {
  title: string;
  breadcrumbs?: { text: string; href: string }[];
  blocks: PackBlock[];
}

/**
 * A page a pack adds for people, mounted among the signed-in pages (`/documents`, `/documents/:number`).
 * Its first path segment is the pack's own: it may not be one the platform uses.
 */
export interface PackPage {
  path: string;
  /** A link in the header's navigation, for the people allowed, labelled by this message id; only for a path without parameters. */
  nav?: string;
  access: PackAccess;
  /** A request that opens the page on the demo data (the every-page checks visit it). */
  example: PackExample;
  build(request: PackRequest, context: PackContext): Promise<PackView>;
}

/** Whether a person may use a route or page of this access: admins always. */
export function allowedBy(access: PackAccess, user: { roles: readonly string[] }, overseers: readonly string[]): boolean {
  if (access === 'signed-in') return true;
  const roles = access === 'overseers' ? overseers : access;
  return user.roles.includes('admin') || roles.some((role) => user.roles.includes(role));
}

/** The inbound event types of the packs handed over, each with the process it starts. */
export function packInboundTypes(packs: readonly ProcessPack[]): (PackInboundType & { processKey: string })[] {
  return packs.flatMap((pack) => (pack.inbound ?? []).map((type) => ({ ...type, processKey: pack.key })));
}

/**
 * The packs' automatic steps' results in words, by process key (ProcessPack.stepResults): undefined when the
 * pack words none, or fails to (then the result shows as data, as before).
 */
export function packStepResults(packs: readonly ProcessPack[], reader: StepResultsReader): (processKey: string, elementId: string, value: unknown) => StepResult[] | undefined {
  const byKey = new Map(packs.map((pack) => [pack.key, pack]));
  return (processKey, elementId, value) => {
    const pack = byKey.get(processKey);
    if (!pack?.stepResults) return undefined;
    try {
      const results = pack.stepResults(elementId, value, reader);
      return Array.isArray(results) ? results.filter((r) => r && typeof r.label === 'string' && (typeof r.value === 'string' || Array.isArray(r.value))) : undefined;
    } catch {
      return undefined;
    }
  };
}

/** The form-field types of the packs handed over, in the packs' order. */
export function packFieldTypes(packs: readonly ProcessPack[]): PackFieldType[] {
  return packs.flatMap((pack) => pack.fieldTypes ?? []);
}
