import { defineFigure, type FactRow, type FigureRead, fragment, ValidationError } from '../../engine/features/dashboard/index.js';
import { conformityPct } from '../../engine/pack-kit.js';

/**
 * Gap coverage on the dashboard: per standard, the newest gap analysis with a report of each site (the
 * newest signed off when there is one), summed; coverage = (conforms + ½ partial) / (applicable − n/a), as
 * the gap report. Each coverage row of a report (`output.gapReport.coverage`) is one fact; a report without
 * rows is one fact with no standard, so it still counts as its site's newest.
 */

export interface GapCoverage {
  standard: string;
  clauses: number;
  assessed: number;
  conforms: number;
  partial: number;
  gap: number;
  notApplicable: number;
  /** Percent, one decimal; null when nothing applicable remains. */
  coverage: number | null;
  /** The gap analyses counted (one per site). */
  records: number;
  drill: string;
}

type CountName = 'applicable' | 'assessed' | 'conforms' | 'partial' | 'gap' | 'na';

/** A report's coverage rows, read defensively. */
function coverageRows(value: unknown): ({ standard: string } & Record<CountName, number>)[] {
  if (!Array.isArray(value)) return [];
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
  return value
    .filter((c): c is Record<string, unknown> => Boolean(c) && typeof c === 'object' && typeof (c as { standard?: unknown }).standard === 'string')
    .map((c) => ({ standard: String(c.standard), applicable: n(c.applicable), assessed: n(c.assessed), conforms: n(c.conforms), partial: n(c.partial), gap: n(c.gap), na: n(c.na) }));
}

interface CountedReport {
  instanceId: string;
  businessKey: string;
  site: string | null;
  startedAt: string;
  signedOff: boolean;
  rows: FactRow[];
}

/** Per site, the gap analysis whose report counts at the dashboard's time: the newest signed off, else the newest. */
async function countedReports(read: FigureRead): Promise<CountedReport[]> {
  // started by asOf (inclusive): before the next millisecond
  const before = new Date(read.context.asOf.getTime() + 1).toISOString();
  const facts = await read.store.listFacts({ ...read.facts, startedBefore: before, limit: 1_000_000_000 });
  const reports: CountedReport[] = [];
  for (const fact of facts) {
    const last = reports[reports.length - 1];
    if (last?.instanceId === fact.instanceId) last.rows.push(fact);
    else reports.push({ instanceId: fact.instanceId, businessKey: fact.businessKey, site: fact.site, startedAt: fact.startedAt, signedOff: fact.dims.signedOff === 'yes', rows: [fact] });
  }
  const bySite = new Map<string | null, CountedReport>();
  for (const report of reports) {
    const current = bySite.get(report.site);
    // reports come oldest first: a later one replaces the current unless it is unsigned and the current is signed
    if (!current || report.signedOff || !current.signedOff) bySite.set(report.site, report);
  }
  return [...bySite.values()];
}

const count = (row: FactRow, name: CountName) => row.values[name] ?? 0;

export const gapCoverageFigure = defineFigure<GapCoverage[]>({
  id: 'gap-coverage',
  version: 1,
  process: 'gap-analysis',
  section: 'gapCoverage',
  title: 'Gap analysis coverage by standard',
  facts(record) {
    const coverage = (record.output.gapReport as { coverage?: unknown } | undefined)?.coverage;
    if (record.status === 'cancelled' || !Array.isArray(coverage)) return [];
    const signedOff = Object.prototype.hasOwnProperty.call(record.output, 'signOff') ? 'yes' : 'no';
    const rows = coverageRows(coverage);
    if (!rows.length) return [{ dims: { standard: '', signedOff } }];
    return rows.map(({ standard, ...values }) => ({ dims: { standard, signedOff }, values }));
  },
  async summarise(read) {
    const byStandard = new Map<string, GapCoverage>();
    for (const report of await countedReports(read)) {
      for (const c of report.rows) {
        const standard = c.dims.standard;
        if (!standard) continue;
        const row = byStandard.get(standard) ?? { standard, clauses: 0, assessed: 0, conforms: 0, partial: 0, gap: 0, notApplicable: 0, coverage: null, records: 0, drill: fragment({ figure: 'gap', standard }) };
        row.clauses += count(c, 'applicable');
        row.assessed += count(c, 'assessed');
        row.conforms += count(c, 'conforms');
        row.partial += count(c, 'partial');
        row.gap += count(c, 'gap');
        row.notApplicable += count(c, 'na');
        row.records += 1;
        byStandard.set(standard, row);
      }
    }
    return [...byStandard.values()]
      .map((row) => ({ ...row, coverage: conformityPct({ applicable: row.clauses, na: row.notApplicable, conforms: row.conforms, partial: row.partial }) }))
      .sort((a, b) => a.standard.localeCompare(b.standard));
  },
  view: (rows) => ({
    table: {
      caption: 'Gap coverage',
      columns: ['Standard', 'Clauses', 'Assessed', 'Conform', 'Partial', 'Gap', 'N/A', 'Coverage %'],
      rows: rows.map((g) => ({ cells: [`ISO ${g.standard}`, g.clauses, g.assessed, g.conforms, g.partial, g.gap, g.notApplicable, g.coverage], drill: g.drill })),
    },
    empty: 'No gap analysis with a report yet.',
  }),
  drills: {
    async gap(read, drill, limit) {
      const { standard } = drill;
      if (!standard) throw new ValidationError('invalid drill-down', [{ field: 'standard', message: 'name the standard, e.g. 9001' }]);
      const reports = (await countedReports(read)).filter((r) => r.rows.some((c) => c.dims.standard === standard));
      return {
        title: `Gap analyses counted for ISO ${standard}`,
        columns: [
          { key: 'businessKey', label: 'Gap analysis' },
          { key: 'site', label: 'Site' },
          { key: 'startedAt', label: 'Opened' },
          { key: 'signedOff', label: 'Signed off' },
          { key: 'clauses', label: 'Clauses' },
          { key: 'assessed', label: 'Assessed' },
          { key: 'conforms', label: 'Conform' },
          { key: 'partial', label: 'Partial' },
          { key: 'gap', label: 'Gap' },
          { key: 'notApplicable', label: 'Not applicable' },
          { key: 'coverage', label: 'Coverage %' },
        ],
        items: reports.slice(0, limit).map((r) => {
          const c = r.rows.find((x) => x.dims.standard === standard)!;
          const counts = { applicable: count(c, 'applicable'), na: count(c, 'na'), conforms: count(c, 'conforms'), partial: count(c, 'partial') };
          return {
            instanceId: r.instanceId,
            businessKey: r.businessKey,
            site: r.site,
            startedAt: r.startedAt,
            signedOff: r.signedOff,
            clauses: counts.applicable,
            assessed: count(c, 'assessed'),
            conforms: counts.conforms,
            partial: counts.partial,
            gap: count(c, 'gap'),
            notApplicable: counts.na,
            coverage: conformityPct(counts),
            link: `/records/${encodeURIComponent(r.instanceId)}`,
          };
        }),
      };
    },
  },
});
