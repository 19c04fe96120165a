import { defineFigure, type FigureRead, fragment, MAX_RECORDS, ValidationError } from '../../engine/features/dashboard/index.js';

/**
 * Audit findings on the dashboard: the graded findings of internal audits started in the period (not
 * cancelled), counted by clause and grade. Each finding of `output.findings.findings` is one fact.
 */

export const FINDING_GRADES = ['major', 'minor', 'observation', 'ofi'] as const;

export interface FindingCount {
  clause: string;
  number: string;
  title: string;
  grade: string;
  count: number;
  drill: string;
}

const graded = (grade: string) => (FINDING_GRADES as readonly string[]).includes(grade);
const str = (value: unknown) => (value === undefined || value === null ? '' : String(value));

/** Audits started in the period. */
function inPeriod(read: FigureRead) {
  return { ...read.facts, startedFrom: read.context.periodStart, startedBefore: read.context.periodEnd };
}

export const findingsFigure = defineFigure<FindingCount[]>({
  id: 'audit-findings',
  version: 1,
  process: 'internal-audit',
  section: 'findings',
  title: 'Internal audit findings by clause and grade',
  facts(record) {
    const list = (record.output.findings as { findings?: unknown } | undefined)?.findings;
    if (record.status === 'cancelled' || !Array.isArray(list)) return [];
    return list
      .filter((f): f is Record<string, unknown> => Boolean(f) && typeof f === 'object')
      .map((f) => ({ dims: { clause: str(f.clause), number: str(f.number), title: str(f.title), grade: str(f.grade), statement: str(f.statement) }, values: { n: Number(f.n ?? 0) } }));
  },
  async summarise(read) {
    const groups = await read.store.groupFacts({ ...inPeriod(read), by: ['clause', 'grade'], labels: ['number', 'title'] });
    return groups
      .filter((g) => graded(g.dims.grade))
      .map((g) => ({ clause: g.dims.clause, number: g.labels.number, title: g.labels.title, grade: g.dims.grade, count: g.count, drill: fragment({ figure: 'findings', clause: g.dims.clause, grade: g.dims.grade }) }));
  },
  view: (rows) => ({
    table: { caption: 'Audit findings', columns: ['Clause', 'Title', 'Grade', 'Findings'], rows: rows.map((r) => ({ cells: [r.number || r.clause, r.title, r.grade, r.count], drill: r.drill })) },
    empty: 'No audit findings in the period.',
  }),
  drills: {
    async findings(read, drill, limit) {
      const { clause, grade } = drill;
      if (grade !== undefined && !graded(grade)) throw new ValidationError('invalid drill-down', [{ field: 'grade', message: `one of ${FINDING_GRADES.join(', ')}` }]);
      const rows = await read.store.listFacts({ ...inPeriod(read), dims: { ...(clause !== undefined && { clause }), ...(grade !== undefined && { grade }) }, limit });
      return {
        title: `Audit findings${clause ? ` against ${rows[0]?.dims.number || clause}` : ''}${grade ? ` (${grade})` : ''}`,
        columns: [
          { key: 'businessKey', label: 'Audit' },
          { key: 'site', label: 'Site' },
          { key: 'auditStartedAt', label: 'Audit opened' },
          { key: 'finding', label: 'Finding' },
          { key: 'clause', label: 'Clause' },
          { key: 'title', label: 'Clause title' },
          { key: 'grade', label: 'Grade' },
          { key: 'statement', label: 'Statement' },
        ],
        items: rows
          .filter((r) => graded(r.dims.grade))
          .map((r) => ({
            instanceId: r.instanceId,
            businessKey: r.businessKey,
            site: r.site,
            auditStartedAt: r.startedAt,
            finding: r.values.n ?? 0,
            clause: r.dims.number || r.dims.clause,
            title: r.dims.title,
            grade: r.dims.grade,
            statement: r.dims.statement,
            link: `/records/${encodeURIComponent(r.instanceId)}`,
          })),
      };
    },
  },
  measures: {
    // nonconformities (major and minor findings) of the audits started in each month
    async 'nonconformity-findings'(read, periods) {
      const findings = await read.store.listFacts({ ...read.facts, startedFrom: periods[0].start, startedBefore: periods[periods.length - 1].end, limit: MAX_RECORDS });
      const ncs = findings.filter((f) => f.dims.grade === 'major' || f.dims.grade === 'minor');
      return periods.map((p) => ({ period: p.period, value: ncs.filter((f) => f.startedAt >= p.start && f.startedAt < p.end).length }));
    },
  },
});
