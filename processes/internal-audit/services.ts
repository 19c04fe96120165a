import type { PackServiceDeps } from '../../engine/packs.js';
import { type Catalogue, type CatalogueEntry, iterationsOf, outputOf, type Person, personProblem, presenceProblem, type RecordReader, type ServiceContext, type ServiceDefinition, type ServiceRegistry, text } from '../../engine/pack-kit.js';

/**
 * The services of the internal audit and the audit programme (processes/internal-audit/internal-audit.bpmn,
 * processes/audit-programme/audit-programme.bpmn), ISO 9001/14001/45001 9.2.
 *
 * Programme: `audit-programme-check` checks the planned rows before anyone signs the programme (a
 * half-filled row sends the plan back, with the reason in the re-opened task's name), `audit-programme`
 * starts one linked internal audit per planned row once the programme is approved.
 * Audit: `audit-independence` (nobody audits their own area), `audit-checklist` (the chosen clauses
 * expanded to the clauses audited, shared among the team), `audit-findings` (graded, numbered findings:
 * the management review reads this output), `audit-raise-capas` (one linked CAPA per nonconformity).
 */

// ---- the audit programme ---------------------------------------------------------------------------

/** How many audit rows the programme form has (audit1Area/Site/Date/Lead … audit6…). */
export const PROGRAMME_ROWS = 6;

export interface ProgrammeRow {
  row: number;
  area: string;
  /** The row's own site; the programme's site when not given. */
  site?: string;
  /** YYYY-MM-DD: the audit's record opens (planning starts) on that day. */
  plannedFor: string;
  leadAuditor: string;
}

/**
 * Reads the programme form (`output.planProgramme`): the complete rows, and what is wrong with it on paper
 * (no lookups): a row with some but not all of area, date and lead auditor (a site alone counts as begun),
 * a date outside the programme year, a programme without any audit.
 */
export function readProgramme(plan: Record<string, unknown>): { year?: number; rows: ProgrammeRow[]; problems: string[]; issues: ProgrammeIssue[] } {
  const issues: ProgrammeIssue[] = [];
  const problem = (row: number, message: string) => issues.push({ row, message });
  const year = typeof plan.year === 'number' ? plan.year : Number(plan.year);
  const validYear = Number.isInteger(year) && year >= 2000 && year <= 2100;
  if (!validYear) problem(0, `the programme year must be a year such as 2027 (got ${JSON.stringify(plan.year ?? null)})`);
  const rows: ProgrammeRow[] = [];
  for (let row = 1; row <= PROGRAMME_ROWS; row += 1) {
    const area = text(plan[`audit${row}Area`]);
    const site = text(plan[`audit${row}Site`]);
    const plannedFor = text(plan[`audit${row}Date`]);
    const leadAuditor = text(plan[`audit${row}Lead`]);
    if (!area && !site && !plannedFor && !leadAuditor) continue;
    const missing = [!area && 'the area', !plannedFor && 'the date', !leadAuditor && 'the lead auditor'].filter((m): m is string => Boolean(m));
    if (missing.length) {
      problem(row, `audit ${row}${area ? ` (${area})` : ''} is missing ${joinWords(missing)}: give every planned audit its area, date and lead auditor, or clear the row`);
      continue;
    }
    if (validYear && !plannedFor.startsWith(`${year}-`)) problem(row, `audit ${row} (${area}) is planned for ${plannedFor}, outside the programme year ${year}`);
    rows.push({ row, area, ...(site && { site }), plannedFor, leadAuditor });
  }
  if (!rows.length && !issues.some((i) => i.row > 0)) problem(0, 'the programme plans no audit');
  return { ...(validYear && { year }), rows, problems: issues.map((i) => i.message), issues };
}

/** A problem of the programme, by row (0: the programme as a whole). */
export interface ProgrammeIssue {
  row: number;
  message: string;
}

/**
 * `audit-programme-check`: the programme as planned, checked before it goes to approval: the rows on paper
 * (readProgramme) and each lead auditor: a known, active person who belongs to the audit's site (or they
 * would not see the audit's tasks). Returns `{complete, problems, planned, summary}`; `summary` is what the
 * re-opened planning task's name adds (" again: …"), empty when complete.
 */
export const programmeCheckService: ServiceDefinition = {
  description: 'Checks the audit programme (output.planProgramme) before approval: complete rows, dates in the year, lead auditors who exist and see the site; returns {complete, problems, planned, summary}',
  async run(context) {
    const { rows, issues } = readProgramme(outputOf(context, 'planProgramme'));
    for (const row of rows) {
      const site = row.site ?? context.site;
      const problem = await personProblem(context.records, row.leadAuditor, 'lead auditor', site);
      if (problem) issues.push({ row: row.row, message: `audit ${row.row} (${row.area}): ${problem}` });
    }
    // in the order of the form: the programme's own problems first, then row by row
    const problems = issues.sort((a, b) => a.row - b.row).map((i) => i.message);
    const complete = problems.length === 0;
    return { complete, problems, planned: rows.length, summary: complete ? '' : ` again: ${problems.join('; ')}` };
  },
};

/**
 * `audit-programme`: once the programme is approved, starts one internal audit per planned row, linked to
 * the programme on both sides, with `{area, plannedFor, leadAuditor, programme, programmeYear}`: each
 * waits for its planned date. The programme was checked before approval, so a row that is not complete
 * here is a fault (the step fails) rather than an audit silently dropped from a signed programme.
 */
export const programmeScheduleService: ServiceDefinition = {
  description: 'Starts one linked internal audit per planned row of the approved programme (output.planProgramme); returns {audits: [{row, area, site, plannedFor, leadAuditor}], count}',
  run(context) {
    const { year, rows, problems } = readProgramme(outputOf(context, 'planProgramme'));
    if (problems.length) throw new Error(`audit-programme: the approved programme is not complete: ${problems.join('; ')}`);
    const audits = rows.map((row) => {
      const site = row.site ?? context.site;
      context.startLinked({
        processKey: 'internal-audit',
        variables: { area: row.area, plannedFor: row.plannedFor, leadAuditor: row.leadAuditor, programme: context.businessKey, programmeYear: year },
        label: `Audit ${row.row} of the ${year} programme: ${row.area} (${row.plannedFor})`,
        ...(site && { site }),
      });
      return { row: row.row, area: row.area, ...(site && { site }), plannedFor: row.plannedFor, leadAuditor: row.leadAuditor };
    });
    return { audits, count: audits.length };
  },
};

// ---- independence ----------------------------------------------------------------------------------

/** How far up the reporting line an auditor is followed to find the auditee. */
const MAX_REPORTING_DEPTH = 20;

/**
 * `audit-independence` (9.2.2 c: objectivity and impartiality): reads the plan (`output.plan`) and checks
 * that no member of the audit team (lead auditor, auditor2, auditor3) is the auditee or reports to the
 * auditee, directly or further down the auditee's line (managerId in the directory); that every person
 * named is a known, active user of the audit's site; and that nobody is named twice. Returns
 * `{independent, problems, team, summary}`; `summary` is what the re-opened planning task's name adds.
 */
export const independenceService: ServiceDefinition = {
  description: 'Checks the audit team of output.plan for independence from the auditee (not the auditee, not in their reporting line) and that everyone named is a known active user of the site; returns {independent, problems, team, summary}',
  async run(context) {
    const plan = outputOf(context, 'plan');
    const problems: string[] = [];
    const auditeeId = text(plan.auditee);
    const auditee = auditeeId ? await context.records.user(auditeeId) : undefined;
    if (!auditeeId) problems.push('no auditee is named');
    else if (!auditee) problems.push(`the auditee "${auditeeId}" is not a known user`);
    else if (!auditee.active) problems.push(`the auditee ${auditee.name} is not an active user`);

    const team: string[] = [];
    const named = [
      ['lead auditor', text(plan.leadAuditor)],
      ['auditor', text(plan.auditor2)],
      ['auditor', text(plan.auditor3)],
    ] as const;
    for (const [role, id] of named) {
      if (!id) continue;
      const person = await context.records.user(id);
      const name = person?.name ?? id;
      if (team.includes(id)) {
        problems.push(`${name} is named twice in the audit team`);
        continue;
      }
      team.push(id);
      if (!person) {
        problems.push(`the ${role} "${id}" is not a known user`);
        continue;
      }
      const presence = presenceProblem(person, role, context.site);
      if (presence) problems.push(presence);
      if (!auditeeId) continue;
      if (id === auditeeId) {
        problems.push(`${name} (${role}) is the auditee: nobody audits their own area`);
        continue;
      }
      const line = await reportingLine(context.records, person, auditeeId);
      if (line) {
        const through = line.length ? ` (through ${line.join(', ')})` : '';
        problems.push(`${name} (${role}) reports to the auditee ${auditee?.name ?? auditeeId}${through}`);
        continue;
      }
      // the auditee's own manager, or theirs, answers for the area audited: not independent either
      const above = auditee && (await reportingLine(context.records, auditee, id));
      if (above) {
        const through = above.length ? ` (through ${above.join(', ')})` : '';
        problems.push(`${name} (${role}) is the manager of the auditee ${auditee.name}${through} and answers for the area`);
      }
    }
    if (!team.length) problems.push('no lead auditor is named');
    const independent = problems.length === 0;
    return { independent, problems, team, summary: independent ? '' : ` again: ${problems.join('; ')}` };
  },
};

/**
 * Follows `managerId` up from a person: the names of the managers between them and `target` when the
 * target is in their reporting line ([] for a direct report), undefined when not.
 */
async function reportingLine(records: RecordReader, person: Person, target: string): Promise<string[] | undefined> {
  const between: string[] = [];
  const seen = new Set([person.id]);
  let up = person.managerId;
  for (let depth = 0; up && depth < MAX_REPORTING_DEPTH && !seen.has(up); depth += 1) {
    if (up === target) return between;
    seen.add(up);
    const manager = await records.user(up);
    if (!manager) return undefined;
    between.push(manager.name);
    up = manager.managerId;
  }
  return undefined;
}

// ---- checklist ---------------------------------------------------------------------------------------

export interface ChecklistItem {
  /** The catalogue record id (`7.5.3`, `9001:8.4`). */
  clause: string;
  number: string;
  title: string;
  standards: string[];
  /** Who audits it: the team in turn, lead auditor first. */
  auditor: string;
  /** YYYY-MM-DD: results are due a week after the audit date (or after today, for an audit dated in the past). */
  due: string;
}

/** Compares clause numbers part by part (`8.10` after `8.9`, `11.10(e)` after `11.10`). */
export function compareClauseNumbers(a: string, b: string): number {
  const pa = a.match(/\d+|[a-z]+/gi) ?? [];
  const pb = b.match(/\d+|[a-z]+/gi) ?? [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    if (pa[i] === undefined) return -1;
    if (pb[i] === undefined) return 1;
    const na = Number(pa[i]);
    const nb = Number(pb[i]);
    const diff = Number.isNaN(na) || Number.isNaN(nb) ? pa[i].localeCompare(pb[i]) : na - nb;
    if (diff) return diff;
  }
  return 0;
}

const treeCache = new WeakMap<Catalogue, { order: Map<string, number>; children: Map<string, CatalogueEntry[]> }>();

/** The catalogue as a tree: each record's children in clause-number order, and every record's place in it. */
function clauseTree(catalogue: Catalogue): { order: Map<string, number>; children: Map<string, CatalogueEntry[]> } {
  const cached = treeCache.get(catalogue);
  if (cached) return cached;
  const index = new Map(catalogue.records.map((r, i) => [r.id, i]));
  const byNumber = (a: CatalogueEntry, b: CatalogueEntry) => compareClauseNumbers(a.number, b.number) || index.get(a.id)! - index.get(b.id)!;
  const children = new Map<string, CatalogueEntry[]>();
  const roots: CatalogueEntry[] = [];
  for (const record of catalogue.records) {
    if (record.parent === undefined) roots.push(record);
    else children.set(record.parent, [...(children.get(record.parent) ?? []), record]);
  }
  for (const list of children.values()) list.sort(byNumber);
  const order = new Map<string, number>();
  const visit = (record: CatalogueEntry) => {
    order.set(record.id, order.size);
    for (const child of children.get(record.id) ?? []) visit(child);
  };
  for (const root of roots.sort(byNumber)) visit(root);
  const tree = { order, children };
  treeCache.set(catalogue, tree);
  return tree;
}

/**
 * The clauses an audit against `criteria` covers, in clause order (4, 4.1 … 10.3, what a standard adds
 * under the clause it extends). A clause divided into sub-clauses of the same standards (chapter 8 into
 * 8.1 …, 7.5 into 7.5.1–7.5.3) is audited through them; a clause whose sub-clauses only add what one
 * standard requires (6.1 with 14001's 6.1.2, 9.2 with 14001's 9.2.2) is audited itself and through those
 * additions, so no standard's requirement falls out. A chosen leaf stays itself; each clause appears once.
 */
export function expandCriteria(catalogue: Catalogue, criteria: readonly string[]): CatalogueEntry[] {
  const { order, children } = clauseTree(catalogue);
  const chosen = new Map<string, CatalogueEntry>();
  const expand = (record: CatalogueEntry) => {
    const below = children.get(record.id) ?? [];
    const divided = below.some((child) => record.standards.every((s) => child.standards.includes(s)));
    if (!divided) chosen.set(record.id, record);
    for (const child of below) expand(child);
  };
  for (const id of criteria) {
    const record = catalogue.clause(id);
    if (!record) throw new Error(`audit-checklist: clause "${id}" is not in the clause catalogue (version ${catalogue.version})`);
    expand(record);
  }
  return [...chosen.values()].sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

/** The audit team of the plan in order, lead auditor first, each once. */
function teamOf(plan: Record<string, unknown>): string[] {
  return [...new Set([text(plan.leadAuditor), text(plan.auditor2), text(plan.auditor3)].filter(Boolean))];
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Results of the checklist are due this long after the audit date. */
const RESULTS_DUE_DAYS = 7;

/** The later of the audit date and today, plus the write-up week, as YYYY-MM-DD. */
function resultsDue(auditDate: string, now: Date): string {
  const today = now.toISOString().slice(0, 10);
  const from = /^\d{4}-\d{2}-\d{2}$/.test(auditDate) && auditDate > today ? auditDate : today;
  return new Date(Date.parse(`${from}T00:00:00Z`) + RESULTS_DUE_DAYS * DAY_MS).toISOString().slice(0, 10);
}

export function checklistItems(catalogue: Catalogue, criteria: readonly string[], team: readonly string[], due: string): ChecklistItem[] {
  if (!team.length) throw new Error('audit-checklist: the plan names no lead auditor');
  return expandCriteria(catalogue, criteria).map((record, i) => ({
    clause: record.id,
    number: record.number,
    title: record.title,
    standards: [...record.standards],
    auditor: team[i % team.length],
    due,
  }));
}

function checklistService(catalogue: Catalogue): ServiceDefinition {
  return {
    description: 'Expands the audit criteria (output.plan.criteria, catalogue clause ids) to the clauses audited, in clause order, shared among the audit team (lead auditor first); returns {items: [{clause, number, title, standards, auditor, due}], count}',
    run(context) {
      const plan = outputOf(context, 'plan');
      const criteria = Array.isArray(plan.criteria) ? plan.criteria.map(String) : [];
      if (!criteria.length) throw new Error('audit-checklist: the plan names no criteria');
      const items = checklistItems(catalogue, criteria, teamOf(plan), resultsDue(text(plan.auditDate), context.now));
      return { items, count: items.length };
    },
  };
}

// ---- findings ----------------------------------------------------------------------------------------

/** The results an auditor records per clause (the conduct task's `result` options). */
export const AUDIT_RESULTS = ['conforms', 'major', 'minor', 'observation', 'ofi', 'na'] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];
/** The results that are findings, with how a finding of that grade is named. */
export const FINDING_GRADES = {
  major: 'Major nonconformity',
  minor: 'Minor nonconformity',
  observation: 'Observation',
  ofi: 'Opportunity for improvement',
} as const;
export type FindingGrade = keyof typeof FINDING_GRADES;

export interface Finding {
  n: number;
  clause: string;
  number: string;
  title: string;
  grade: FindingGrade;
  statement: string;
  auditor: string;
}

/**
 * The findings of the completed checklist (`output.conduct`, one iteration per clause), numbered 1…n in
 * clause order, each with the objective evidence recorded for it; and the count of every result.
 */
export function collectFindings(context: Pick<ServiceContext, 'output'>): { findings: (Finding & { evidence: string })[]; counts: Record<AuditResult, number> } {
  const counts = Object.fromEntries(AUDIT_RESULTS.map((r) => [r, 0])) as Record<AuditResult, number>;
  const findings: (Finding & { evidence: string })[] = [];
  for (const { item, data } of iterationsOf(context, 'conduct')) {
    const clause = (item ?? {}) as Partial<ChecklistItem>;
    const result = text(data.result) as AuditResult;
    if (!(AUDIT_RESULTS as readonly string[]).includes(result)) throw new Error(`audit-findings: clause ${clause.number ?? '?'} has no valid result (${JSON.stringify(data.result ?? null)})`);
    counts[result] += 1;
    if (!(result in FINDING_GRADES)) continue;
    const grade = result as FindingGrade;
    const number = String(clause.number ?? '');
    const title = String(clause.title ?? '');
    findings.push({
      n: findings.length + 1,
      clause: String(clause.clause ?? ''),
      number,
      title,
      grade,
      statement: text(data.finding) || `${FINDING_GRADES[grade]} against ${number} ${title}`,
      auditor: String(clause.auditor ?? ''),
      evidence: text(data.evidence),
    });
  }
  return { findings, counts };
}

/**
 * `audit-findings`: `{findings: [{n, clause, number, title, grade, statement, auditor}], counts: {conforms,
 * major, minor, observation, ofi, na}, nonconformities}`. The management review reads this shape.
 */
export const findingsService: ServiceDefinition = {
  description: 'Collects the graded findings of the audit checklist (output.conduct): {findings: [{n, clause, number, title, grade, statement, auditor}], counts, nonconformities}',
  run(context) {
    const { findings, counts } = collectFindings(context);
    return {
      findings: findings.map(({ evidence: _evidence, ...finding }) => finding),
      counts,
      nonconformities: counts.major + counts.minor,
    };
  },
};

/**
 * `audit-raise-capas`: every major and minor nonconformity starts a CAPA linked to the audit (source
 * audit-finding, so it goes straight to triage), with the finding statement and its evidence. Observations
 * and opportunities for improvement are reported, not raised. Returns `{raised, capas: [{finding, clause,
 * number, grade, title, reference}]}`.
 */
export const raiseCapasService: ServiceDefinition = {
  description: 'Starts one linked CAPA (source audit-finding) per major or minor nonconformity of the audit; returns {raised, capas}',
  run(context) {
    const plan = outputOf(context, 'plan');
    const capas = collectFindings(context)
      .findings.filter((f) => f.grade === 'major' || f.grade === 'minor')
      .map((finding) => {
        const reference = `${context.businessKey} finding ${finding.n}`;
        const title = `${context.businessKey} finding ${finding.n}: ${finding.number} ${finding.title}`;
        context.startLinked({
          processKey: 'capa',
          variables: {
            source: 'audit-finding',
            title,
            description: finding.evidence ? `${finding.statement}\n\nEvidence: ${finding.evidence}` : finding.statement,
            reference,
            clause: finding.clause,
            grade: finding.grade,
            ...(text(plan.area) && { area: text(plan.area) }),
            ...(text(plan.auditee) && { auditee: text(plan.auditee) }),
          },
          label: `Finding ${finding.n} (${FINDING_GRADES[finding.grade].toLowerCase()}) against ${finding.number}`,
        });
        return { finding: finding.n, clause: finding.clause, number: finding.number, grade: finding.grade, title, reference };
      });
    return { raised: capas.length, capas };
  },
};

function joinWords(words: string[]): string {
  return words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/** The services of the audit programme (processes/audit-programme/): it shares the row reading with the audits it starts. */
export function registerAuditProgrammeServices(registry: ServiceRegistry): void {
  registry.register('audit-programme-check', programmeCheckService);
  registry.register('audit-programme', programmeScheduleService);
}

/** The services of the internal audit (processes/internal-audit/). */
export function registerInternalAuditServices(registry: ServiceRegistry, deps: PackServiceDeps): void {
  registry.register('audit-independence', independenceService);
  registry.register('audit-checklist', checklistService(deps.catalogue));
  registry.register('audit-findings', findingsService);
  registry.register('audit-raise-capas', raiseCapasService);
}
