import { expect } from 'chai';
import { rowsBehind, trendsOf, type EventRow } from '../../../engine/features/events/index.js';

/** The trends across sources (engine/features/events/trends.ts) checked against a known data set. */
const row = (n: number, source: string, occurredAt: string, causeCategory: string | null, product: string | null, site: string | null): EventRow => ({
  instanceId: `id-${n}`,
  businessKey: `EV-${n}`,
  source,
  occurredAt,
  causeCategory,
  product,
  site,
});

const KNOWN: EventRow[] = [
  row(1, 'complaint', '2026-03-02T09:00:00.000Z', 'material', 'Vial cap', 'basel'), // week 2026-W10
  row(2, 'complaint', '2026-03-03T09:00:00.000Z', 'material', 'Vial cap', 'dublin'),
  row(3, 'deviation', '2026-03-04T09:00:00.000Z', 'method', 'Syringe', 'basel'),
  row(4, 'incident', '2026-03-10T09:00:00.000Z', 'environment', null, 'dublin'), // week 2026-W11
  row(5, 'deviation', '2026-03-11T09:00:00.000Z', 'material', 'Vial cap', 'basel'),
  row(6, 'complaint', '2026-03-12T09:00:00.000Z', null, 'Syringe', 'basel'), // not classified yet
  row(7, 'complaint', '2026-02-27T09:00:00.000Z', 'material', 'Vial cap', 'basel'), // before the period
  row(8, 'incident', '2026-03-16T00:00:00.000Z', 'man', null, 'basel'), // the period's end excluded
];
const PERIOD = { from: '2026-03-02T00:00:00.000Z', to: '2026-03-16T00:00:00.000Z' };

describe('Event trends across sources (engine/features/events)', () => {
  const trends = trendsOf(KNOWN, PERIOD);

  it('counts the events of the period only', () => {
    expect(trends.total).to.equal(6);
    expect(trends.sources).to.deep.equal(['complaint', 'deviation', 'incident']);
  });

  it('gives the Pareto by cause category, product, site and source, biggest first, with shares and the cumulative line', () => {
    expect(trends.pareto.causeCategory).to.deep.equal({
      entries: [
        { value: 'material', count: 3, percent: 60, cumulativePercent: 60 },
        { value: 'environment', count: 1, percent: 20, cumulativePercent: 80 },
        { value: 'method', count: 1, percent: 20, cumulativePercent: 100 },
      ],
      none: 1,
    });
    expect(trends.pareto.product.entries.map((e) => [e.value, e.count])).to.deep.equal([['Vial cap', 3], ['Syringe', 2]]);
    expect(trends.pareto.product.none).to.equal(1);
    expect(trends.pareto.site.entries.map((e) => [e.value, e.count, e.percent])).to.deep.equal([['basel', 4, 66.7], ['dublin', 2, 33.3]]);
    expect(trends.pareto.source.entries.map((e) => [e.value, e.count, e.cumulativePercent])).to.deep.equal([['complaint', 3, 50], ['deviation', 2, 83.3], ['incident', 1, 100]]);
  });

  it('counts each ISO week per source, zeros included, and drills down to the records behind a count', () => {
    expect(trends.weekly.map((w) => [w.week, w.bySource, w.total])).to.deep.equal([
      ['2026-W10', { complaint: 2, deviation: 1, incident: 0 }, 3],
      ['2026-W11', { complaint: 1, deviation: 1, incident: 1 }, 3],
    ]);
    expect(rowsBehind(KNOWN, PERIOD, { week: '2026-W11', source: 'complaint' }).map((r) => r.businessKey)).to.deep.equal(['EV-6']);
    expect(rowsBehind(KNOWN, PERIOD, { causeCategory: 'material' }).map((r) => r.businessKey)).to.deep.equal(['EV-1', 'EV-2', 'EV-5']);
  });
});

describe('The management review input pack counts the events of every source (9.3.2 c)', () => {
  it('adds the trends of the period reviewed to review-inputs', async () => {
    const { reviewInputs } = await import('../../../processes/management-review/services.js');
    const event = { source: 'complaint', classify: (r: { output: Record<string, unknown>; site?: string }) => (r.output.cause ? { source: 'complaint', site: r.site, causeCategory: r.output.cause as 'material' } : undefined) };
    const record = (n: number, startedAt: string, cause?: string) => ({ id: `c-${n}`, key: 'test-complaint', version: 1, businessKey: `TC-${n}`, site: 'basel', status: 'running' as const, variables: {}, output: cause ? { cause } : {}, revision: 1, startedAt, startedBy: 'quinn' });
    const complaints = [record(1, '2026-03-02T09:00:00.000Z', 'material'), record(2, '2026-03-10T09:00:00.000Z', 'material'), record(3, '2026-03-11T09:00:00.000Z'), record(4, '2026-01-05T09:00:00.000Z', 'method')];
    const records = {
      instances: async (q: { key?: string; offset?: number }) => (q.key === 'test-complaint' && !q.offset ? complaints : []),
      tasks: async () => [],
      user: async () => undefined,
      people: async () => [],
      sites: async () => [],
      registeredSites: async () => [],
      processes: async () => [],
    };
    const service = reviewInputs([{ key: 'test-complaint', event }]);
    const now = new Date('2026-03-16T00:00:00.000Z');
    const output = (await service.run({ instanceId: 'mr-1', businessKey: 'MR-1', elementId: 'inputs', variables: {}, output: { prepare: { periodFrom: '2026-03-01' } }, now, records, startLinked: () => {}, nextNumber: async () => 1 } as never)) as { eventTrends: { total: number; pareto: { causeCategory: { entries: { value: string; count: number }[]; none: number } }; weekly: { week: string; total: number }[] } };
    expect(output.eventTrends.total).to.equal(3);
    expect(output.eventTrends.pareto.causeCategory.entries).to.deep.equal([{ value: 'material', count: 2, percent: 100, cumulativePercent: 100 }]);
    expect(output.eventTrends.pareto.causeCategory.none).to.equal(1);
    expect(output.eventTrends.weekly.map((w) => [w.week, w.total])).to.deep.equal([['2026-W09', 0], ['2026-W10', 1], ['2026-W11', 2]]);
  });
});
