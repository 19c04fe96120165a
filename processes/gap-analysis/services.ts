import type { PackServiceDeps } from '../../engine/packs.js';
import { addDuration, type Catalogue, type CatalogueEntry, conformityPct, durationProblem, IMS_STANDARDS, type InstanceRecord, type IterationResult, iterationsOf, outputOf, personProblem, type ServiceContext, type ServiceDefinition, type ServiceRegistry, text } from '../../engine/pack-kit.js';

// the dashboard counts coverage with the same formula; it lives in the kit so the engine needs no pack
export { conformityPct };

/**
 * The services of the gap analysis (processes/gap-analysis/gap-analysis.bpmn): which clauses are assessed
 * (`gap-scope`), which assessments become actions and CAPAs (`gap-actions`), and the coverage report the
 * quality manager signs and the management review reads (`gap-report`).
 */

export const GAP_PROCESS_KEY = 'gap-analysis';

/** An assessment's result for one clause. */
export const GAP_STATUSES = ['conforms', 'partial', 'gap', 'na'] as const;
export type GapStatus = (typeof GAP_STATUSES)[number];

/** Results that leave work to do: each becomes an action (and counts as an open gap in the report). */
const OPEN_STATUSES: readonly GapStatus[] = ['partial', 'gap'];

/** When the scope form names no due date for the assessments. */
export const DEFAULT_ASSESSMENT_DUE = 'P30D';
/** When an assessment names no date for closing its gap. */
export const DEFAULT_ACTION_DAYS = 60;

/** A clause's result in an earlier gap analysis of the same site, shown with the clause again. */
export interface PreviousResult {
  status: GapStatus;
  comment?: string;
  owner?: string;
  /** The earlier gap analysis. */
  businessKey: string;
}

/** One clause to assess: an element of `output.scopeList.items`, one assessment task each. */
export interface ScopeItem {
  /** Catalogue id (`7.5.3`, `9001:8.4`). */
  clause: string;
  number: string;
  title: string;
  /** The standards in scope that the clause is assessed for. */
  standards: string[];
  /** Who assesses it (user id). */
  assessor: string;
  /** When the assessment is due (YYYY-MM-DD: at the end of that day, UTC). */
  due: string;
  previous?: PreviousResult;
}

/** One action to close a gap: an element of `output.gapList.actions`, one closing task each. */
export interface GapAction {
  clause: string;
  number: string;
  title: string;
  status: GapStatus;
  /** What must be done. */
  action: string;
  /** Who closes the gap (user id). */
  owner: string;
  /** YYYY-MM-DD. */
  due: string;
  comment?: string;
  /** A CAPA was raised for this gap (linked to the gap analysis). */
  capa: boolean;
  /** Why the named owner was replaced by the assessor (unknown, inactive, another site). */
  ownerNote?: string;
}

export interface StandardCoverage {
  standard: string;
  applicable: number;
  assessed: number;
  conforms: number;
  partial: number;
  gap: number;
  na: number;
  /** round1(100 × (conforms + 0.5 × partial) / (applicable − na)); null when nothing applicable remains. */
  conformityPct: number | null;
}

/** `output.gapReport`: what the sign-off shows and the management review reads (keep the shape). */
export interface GapReport {
  standards: string[];
  coverage: StandardCoverage[];
  clauses: { clause: string; number: string; title: string; status: GapStatus; owner?: string }[];
  openGaps: number;
}

const isoDay = (date: Date) => date.toISOString().slice(0, 10);

// ---- scope ----------------------------------------------------------------------------------------------

/** The standards of the scope form's select: `9001,14001,45001` → the three; each must be one of them. */
export function parseStandards(value: unknown): string[] {
  const list = (Array.isArray(value) ? value : String(value ?? '').split(',')).map((s) => String(s).trim()).filter(Boolean);
  const unknown = list.filter((s) => !(IMS_STANDARDS as readonly string[]).includes(s));
  if (!list.length) throw new Error('gap-scope: no standard is in scope (standards is empty)');
  if (unknown.length) throw new Error(`gap-scope: unknown standard ${unknown.join(', ')} (one of ${IMS_STANDARDS.join(', ')})`);
  return IMS_STANDARDS.filter((s) => list.includes(s));
}

/** Clause numbers compared segment by segment (`7.5.3` after `7.5`, `10.1` after `9.3`). */
function compareNumbers(a: string, b: string): number {
  const pa = a.split(/[.()]/).filter(Boolean);
  const pb = b.split(/[.()]/).filter(Boolean);
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    if (pa[i] === undefined) return -1;
    if (pb[i] === undefined) return 1;
    const na = Number(pa[i]);
    const nb = Number(pb[i]);
    const diff = Number.isFinite(na) && Number.isFinite(nb) ? na - nb : pa[i].localeCompare(pb[i]);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * The clauses a gap analysis assesses for the given standards, in clause order (the catalogue's tree,
 * each clause followed by its sub-clauses; records of the same number in catalogue order), each with the
 * standards in scope it is assessed for.
 *
 * A clause is assessed through its sub-clauses when they divide it: a chapter (4–10) always, and a
 * clause whose own general part is a record of its own (7.5 has 7.5.1 General, so 7.5 is a heading).
 * A clause that only has what one standard ADDS below it is assessed itself as well, for its shared
 * requirements: 9.2 Internal audit is assessed for all three standards, and 14001's 9.2.2 Internal audit
 * programme beside it. (Taking only leaf records would drop 9.2, 10.2, 8.1, 7.1 … from a 9001 gap
 * analysis, since what hangs under them belongs to another standard.)
 *
 * `limitTo` (catalogue ids) keeps the clauses at or under one of them.
 */
export function assessableClauses(catalogue: Pick<Catalogue, 'records' | 'clause'>, standards: readonly string[], limitTo: readonly string[] = []): { entry: CatalogueEntry; standards: string[] }[] {
  const order = new Map(catalogue.records.map((r, i) => [r.id, i]));
  const children = new Map<string | undefined, CatalogueEntry[]>();
  for (const record of catalogue.records) children.set(record.parent, [...(children.get(record.parent) ?? []), record]);
  const sorted = (list: CatalogueEntry[]) => [...list].sort((a, b) => compareNumbers(a.number, b.number) || order.get(a.id)! - order.get(b.id)!);

  /** Standards for which a record's sub-clauses stand in for it. */
  const dividedFor = (record: CatalogueEntry): Set<string> => {
    const kids = children.get(record.id) ?? [];
    const dividing = record.parent === undefined ? kids : kids.filter((k) => k.number === `${record.number}.1`);
    return new Set(dividing.flatMap((k) => k.standards));
  };
  const limit = new Set(limitTo);
  const withinLimit = (record: CatalogueEntry): boolean => {
    if (!limit.size) return true;
    for (let at: CatalogueEntry | undefined = record; at; at = at.parent === undefined ? undefined : catalogue.clause(at.parent)) {
      if (limit.has(at.id)) return true;
    }
    return false;
  };

  const result: { entry: CatalogueEntry; standards: string[] }[] = [];
  const visit = (record: CatalogueEntry) => {
    const divided = dividedFor(record);
    const assessedFor = record.standards.filter((s) => standards.includes(s) && !divided.has(s));
    if (assessedFor.length && withinLimit(record)) result.push({ entry: record, standards: assessedFor });
    for (const child of sorted(children.get(record.id) ?? [])) visit(child);
  };
  for (const root of sorted(children.get(undefined) ?? [])) visit(root);
  return result;
}

/** The most recently completed gap analysis of a site (of no site, when the record has none). */
export async function lastCompletedGapAnalysis(context: Pick<ServiceContext, 'records' | 'site' | 'instanceId'>): Promise<Omit<InstanceRecord, 'engineState'> | undefined> {
  const site = context.site;
  const done = await context.records.instances({ key: GAP_PROCESS_KEY, status: 'completed', ...(site !== undefined && { sites: [site] }), limit: 500 });
  const same = done.filter((i) => i.id !== context.instanceId && (i.site ?? null) === (site ?? null));
  same.sort((a, b) => (b.endedAt ?? b.startedAt).localeCompare(a.endedAt ?? a.startedAt));
  return same[0];
}

/** Each clause's result in a completed gap analysis, by clause id. */
export function resultsOf(instance: Pick<InstanceRecord, 'output' | 'businessKey'>): Map<string, PreviousResult> {
  const results = new Map<string, PreviousResult>();
  const iterations = instance.output.assess as unknown;
  if (!Array.isArray(iterations)) return results;
  for (const { item, data } of iterations as IterationResult[]) {
    const clause = (item as Partial<ScopeItem> | null)?.clause;
    const status = data?.status as GapStatus;
    if (typeof clause !== 'string' || !GAP_STATUSES.includes(status)) continue;
    const comment = text(data.comment);
    const owner = text(data.owner);
    results.set(clause, { status, ...(comment && { comment }), ...(owner && { owner }), businessKey: instance.businessKey });
  }
  return results;
}

/**
 * When the assessments are due (YYYY-MM-DD): the scope's date if given, else its duration (default 30
 * days) counted from now. One date for every clause, also for assessments that open later (bpmn-engine
 * opens at most 50 iterations of a multi-instance task at once, the rest as others are completed).
 */
function assessmentDue(scope: Record<string, unknown>, now: Date): string {
  const on = text(scope.assessmentDueOn);
  if (on) return on;
  const within = text(scope.assessmentDue);
  return isoDay(addDuration(within && !durationProblem(within) ? within : DEFAULT_ASSESSMENT_DUE, now));
}

/**
 * `gap-scope`: the clauses to assess, from the scope form (`output.scope`): the applicable clauses of the
 * chosen standards (see assessableClauses), limited by `clauses` when given, each with the assessor and
 * due date, and — with `fromPrevious: yes` — the clause's result in the last completed gap analysis of
 * the same site. Returns `{items, count, standards, previousBusinessKey, outOfScope}`; `outOfScope` lists
 * scope clauses that do not apply to the chosen standards (nothing of them is assessed).
 */
export function gapScopeService(catalogue: Catalogue): ServiceDefinition {
  return {
    description: 'Lists the clauses of a gap analysis (chosen standards, limited to the scope clauses) with assessor, due date and the previous result: {items, count, standards, previousBusinessKey, outOfScope}',
    async run(context) {
      const scope = outputOf(context, 'scope');
      const standards = parseStandards(scope.standards ?? context.variables.standards);
      const limit = Array.isArray(scope.clauses) ? (scope.clauses as string[]) : [];
      const assessor = text(scope.assessor);
      if (!assessor) throw new Error('gap-scope: the scope names no assessor');
      // an assessor who could not see the site's tasks would leave every assessment unanswered: scope again
      const unfit = await personProblem(context.records, assessor, 'assessor', context.site);
      if (unfit) return { items: [], count: 0, standards: parseStandards(scope.standards ?? context.variables.standards), previousBusinessKey: null, outOfScope: [], problem: ` again: ${unfit}` };
      const due = assessmentDue(scope, context.now);

      const previousRecord = text(scope.fromPrevious) === 'yes' ? await lastCompletedGapAnalysis(context) : undefined;
      const previous = previousRecord ? resultsOf(previousRecord) : new Map<string, PreviousResult>();

      const clauses = assessableClauses(catalogue, standards, limit);
      const items: ScopeItem[] = clauses.map(({ entry, standards: forStandards }) => {
        const before = previous.get(entry.id);
        return { clause: entry.id, number: entry.number, title: entry.title, standards: forStandards, assessor, due, ...(before && { previous: before }) };
      });
      const outOfScope = limit.filter((id) => assessableClauses(catalogue, standards, [id]).length === 0);
      return { items, count: items.length, standards, previousBusinessKey: previousRecord?.businessKey ?? null, outOfScope };
    },
  };
}

// ---- actions --------------------------------------------------------------------------------------------

function statusOf(iteration: IterationResult): GapStatus {
  const status = iteration.data?.status as GapStatus;
  if (!GAP_STATUSES.includes(status)) throw new Error(`gap analysis: assessment ${iteration.index} has no valid status (got ${JSON.stringify(iteration.data?.status)})`);
  return status;
}

function itemOf(iteration: IterationResult): ScopeItem {
  const item = iteration.item as ScopeItem | null;
  if (!item || typeof item.clause !== 'string') throw new Error(`gap analysis: assessment ${iteration.index} has no clause`);
  return item;
}

/** Who closes a clause's gap: the assessment's owner when they can act at the site, else the clause's assessor. */
async function gapOwner(context: ServiceContext, item: ScopeItem, data: Record<string, unknown>): Promise<{ owner: string; ownerNote?: string }> {
  const named = text(data.owner);
  if (!named) return { owner: item.assessor };
  const unfit = await personProblem(context.records, named, 'owner', context.site);
  return unfit ? { owner: item.assessor, ownerNote: `${unfit}: the assessor ${item.assessor} holds it instead` } : { owner: named };
}


/** What a CAPA raised for a gap is started with: it skips its intake and waits at triage. */
export function capaForGap(businessKey: string, item: ScopeItem, action: GapAction): Record<string, unknown> {
  const result = action.status === 'gap' ? 'not met' : 'partly met';
  const standards = item.standards.map((s) => `ISO ${s}`).join(', ');
  return {
    source: 'gap',
    title: `Gap in ${item.number} ${item.title}`,
    description:
      `Gap analysis ${businessKey}: clause ${item.number} ${item.title} (${standards}) is ${result}.` +
      (action.comment ? `\nFinding: ${action.comment}` : '') +
      `\nAction planned in the gap analysis: ${action.action} (owner ${action.owner}, due ${action.due}).`,
    reference: `${businessKey} / ${item.number}`,
    clause: item.clause,
  };
}

/**
 * `gap-actions`: an action per clause assessed as partial or gap (`output.assess`):
 * `{clause, number, title, status, action, owner, due, comment?, capa}` — the owner is the assessment's,
 * else the clause's assessor; the due date the assessment's, else 60 days from now (YYYY-MM-DD); the text
 * the assessment's, else "Close the gap in <number> <title>". For each such assessment with `raiseCapa`,
 * a CAPA is started, linked to the gap analysis (source gap, the clause, the reference
 * `<business key> / <number>`); a CAPA is never raised for a conforming or not applicable clause.
 * Returns `{actions, count, capasRaised}`.
 */
export const gapActionsService: ServiceDefinition = {
  description: 'Turns partial and gap assessments into actions {actions: [{clause, number, title, status, action, owner, due, capa}], count, capasRaised}, starting a linked CAPA for each one marked raiseCapa',
  async run(context) {
    const defaultDue = isoDay(addDuration(`P${DEFAULT_ACTION_DAYS}D`, context.now));
    const actions: GapAction[] = [];
    let capasRaised = 0;
    for (const iteration of iterationsOf(context, 'assess')) {
      const status = statusOf(iteration);
      if (!OPEN_STATUSES.includes(status)) continue;
      const item = itemOf(iteration);
      const data = iteration.data;
      const comment = text(data.comment);
      const action: GapAction = {
        clause: item.clause,
        number: item.number,
        title: item.title,
        status,
        action: text(data.action) || `Close the gap in ${item.number} ${item.title}`,
        ...(await gapOwner(context, item, data)),
        due: text(data.actionDue) || defaultDue,
        ...(comment && { comment }),
        capa: data.raiseCapa === true,
      };
      actions.push(action);
      if (action.capa) {
        context.startLinked({ processKey: 'capa', variables: capaForGap(context.businessKey, item, action), label: `Gap ${item.number} ${item.title} (${status})` });
        capasRaised += 1;
      }
    }
    return { actions, count: actions.length, capasRaised };
  },
};

// ---- report ---------------------------------------------------------------------------------------------


/** The report from the scope's items and the completed assessments (see gapReportService). */
export function gapReport(standards: readonly string[], items: readonly ScopeItem[], iterations: readonly IterationResult[], owners: ReadonlyMap<string, string> = new Map()): GapReport {
  const byIndex = new Map(iterations.map((it) => [it.index, it]));
  const assessed = items.map((item, index) => {
    const iteration = byIndex.get(index);
    return { item: iteration ? itemOf(iteration) : item, iteration, status: iteration ? statusOf(iteration) : undefined };
  });
  const coverage = standards.map((standard): StandardCoverage => {
    const applying = assessed.filter((a) => a.item.standards.includes(standard));
    const count = (status: GapStatus) => applying.filter((a) => a.status === status).length;
    const counts = {
      standard,
      applicable: applying.length,
      assessed: applying.filter((a) => a.status !== undefined).length,
      conforms: count('conforms'),
      partial: count('partial'),
      gap: count('gap'),
      na: count('na'),
    };
    return { ...counts, conformityPct: conformityPct(counts) };
  });
  const clauses = assessed
    .filter((a) => a.status !== undefined)
    .map(({ item, iteration, status }) => {
      const owner = OPEN_STATUSES.includes(status!) ? (owners.get(item.clause) ?? (text(iteration!.data.owner) || item.assessor)) : '';
      return { clause: item.clause, number: item.number, title: item.title, status: status!, ...(owner && { owner }) };
    });
  return { standards: [...standards], coverage, clauses, openGaps: clauses.filter((c) => OPEN_STATUSES.includes(c.status)).length };
}

/**
 * `gap-report`: coverage per standard and the result per clause, from `output.scopeList` and
 * `output.assess`:
 * `{standards, coverage: [{standard, applicable, assessed, conforms, partial, gap, na, conformityPct}],
 *   clauses: [{clause, number, title, status, owner?}], openGaps}`.
 * Per standard, `applicable` counts the clauses in scope that apply to it, `assessed` those with a result.
 * Conformity = round1(100 × (conforms + 0.5 × partial) / (applicable − na)) — a partly met clause counts
 * half, a not applicable one is left out of the base; null when no applicable clause remains.
 * `openGaps` = clauses assessed partial or gap (each has an action). `owner` is the gap's owner.
 * The management review reads this shape: keep it.
 */
export const gapReportService: ServiceDefinition = {
  description: 'Gap analysis report: coverage per standard (conformity % = (conforms + 0.5 × partial) / (applicable − n/a)), the result per clause and the number of open gaps',
  run(context) {
    const scope = outputOf(context, 'scopeList');
    const items = Array.isArray(scope.items) ? (scope.items as ScopeItem[]) : [];
    const standards = Array.isArray(scope.standards) ? (scope.standards as string[]) : parseStandards(outputOf(context, 'scope').standards);
    // the gaps' owners as the actions settled them (an unfit owner replaced by the assessor)
    const actions = outputOf(context, 'gapList').actions;
    const owners = new Map((Array.isArray(actions) ? (actions as GapAction[]) : []).map((a) => [a.clause, a.owner]));
    return { ...gapReport(standards, items, iterationsOf(context, 'assess'), owners) };
  },
};

/** The services of the gap analysis (processes/gap-analysis/gap-analysis.bpmn). */
export function registerGapAnalysisServices(registry: ServiceRegistry, deps: PackServiceDeps): void {
  registry.register('gap-scope', gapScopeService(deps.catalogue));
  registry.register('gap-actions', gapActionsService);
  registry.register('gap-report', gapReportService);
}
