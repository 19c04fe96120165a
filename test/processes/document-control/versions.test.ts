import { expect } from 'chai';
import { type DocumentRecord, documentsList, documentVersions, effectiveAt } from '../../../processes/document-control/versions.js';

/**
 * What was effective at a site at an instant, over three versions of one SOP (the third no longer applying
 * to Basel) and a work instruction withdrawn later: read from the records alone.
 */

const HOUR = 3_600_000;
const base = Date.now();
const at = (hours: number) => new Date(base + hours * HOUR);
const iso = (hours: number) => at(hours).toISOString();

let seq = 0;
function record(number: string, revision: string, sites: string[], output: Record<string, Record<string, unknown>>, status: DocumentRecord['status'] = 'running'): DocumentRecord {
  seq += 1;
  return {
    id: `i${seq}`,
    key: 'document-control',
    version: 1,
    businessKey: `DOC-${seq}`,
    site: 'dublin',
    status,
    variables: { owner: 'anna', revisionKind: 'major', changeSummary: 'change', reason: 'why', clauses: ['7.5'] },
    output: { numbering: { number, revision, title: number.startsWith('SOP') ? 'Cleaning' : 'Line clearance', type: number.startsWith('SOP') ? 'sop' : 'work-instruction', area: 'QA', sites }, draft: { file: { sha256: 'a'.repeat(64), name: `${number}.pdf` } }, ...output },
    revision: 3,
    startedAt: iso(-100),
    startedBy: 'anna',
  };
}

const sources = {
  documents: [
    record('SOP-QA-0001', '1.0', ['dublin', 'basel'], { approve: { effectiveDate: 'x' }, effective: { effectiveAt: iso(0) }, reviewPlan: { due: iso(17_000) } }),
    record('SOP-QA-0001', '2.0', ['dublin', 'basel'], { approve: { effectiveDate: 'x' }, effective: { effectiveAt: iso(10) } }),
    record('SOP-QA-0001', '3.0', ['dublin'], { approve: { effectiveDate: 'x' }, effective: { effectiveAt: iso(20) } }),
    record('WI-QA-0001', '1.0', ['basel'], { approve: { effectiveDate: 'x' }, effective: { effectiveAt: iso(0) }, withdraw: { obsoleteAt: iso(30), retainUntil: iso(90_000) } }, 'completed'),
    record('SOP-QA-0002', '1.0', ['basel'], { approve: { effectiveDate: 'x' } }),
  ],
};

const revisions = (found: { number: string; revision: string }[]) => found.map((v) => `${v.number} ${v.revision}`);

describe('document versions: effective at a site and an instant', () => {
  it('nothing before the first effective instant, the first version on the exact instant', () => {
    expect(effectiveAt(sources, 'all', 'dublin', new Date(at(0).getTime() - 1))).to.deep.equal([]);
    expect(revisions(effectiveAt(sources, 'all', 'dublin', at(0)))).to.deep.equal(['SOP-QA-0001 1.0']);
    expect(revisions(effectiveAt(sources, 'all', 'basel', at(0)))).to.deep.equal(['SOP-QA-0001 1.0', 'WI-QA-0001 1.0']);
  });

  it('each later version from its own instant, at the sites it applies to', () => {
    expect(revisions(effectiveAt(sources, 'SOP-QA-0001', 'dublin', new Date(at(10).getTime() - 1)))).to.deep.equal(['SOP-QA-0001 1.0']);
    expect(revisions(effectiveAt(sources, 'SOP-QA-0001', 'dublin', at(10)))).to.deep.equal(['SOP-QA-0001 2.0']);
    expect(revisions(effectiveAt(sources, 'SOP-QA-0001', 'basel', at(15)))).to.deep.equal(['SOP-QA-0001 2.0']);
    expect(revisions(effectiveAt(sources, 'SOP-QA-0001', 'dublin', at(20)))).to.deep.equal(['SOP-QA-0001 3.0']);
    // the third version no longer applies to Basel: nothing of SOP-QA-0001 is effective there from then on
    expect(revisions(effectiveAt(sources, 'all', 'basel', at(20)))).to.deep.equal(['WI-QA-0001 1.0']);
    expect(revisions(effectiveAt(sources, 'all', 'basel', at(30)))).to.deep.equal([]);
    // approved, not yet effective: never served
    expect(revisions(effectiveAt(sources, 'SOP-QA-0002', 'basel', at(1000)))).to.deep.equal([]);
  });

  it('statuses: superseded when the next version became effective, obsolete once withdrawn, approved before its date', () => {
    const now = documentVersions(sources, { at: at(40) });
    expect(now.map((v) => [v.number, v.revision, v.status])).to.deep.equal([
      ['SOP-QA-0001', '1.0', 'superseded'],
      ['SOP-QA-0001', '2.0', 'superseded'],
      ['SOP-QA-0001', '3.0', 'effective'],
      ['SOP-QA-0002', '1.0', 'approved'],
      ['WI-QA-0001', '1.0', 'obsolete'],
    ]);
    expect(now[0]).to.include({ supersededAt: iso(10), supersededBy: now[1]!.businessKey });
    expect(now[4]).to.include({ obsoleteAt: iso(30), retainUntil: iso(90_000) });
    const earlier = documentVersions(sources, { number: 'SOP-QA-0001', at: at(5) });
    expect(earlier.map((v) => v.status)).to.deep.equal(['effective', 'approved', 'approved']);
    expect(earlier[0]!.nextReviewDue).to.equal(iso(17_000));
  });

  it('the register: one row per document, filtered by site, type and status', () => {
    const rows = documentsList(sources, { at: at(40) });
    expect(rows.map((r) => [r.number, r.status, r.latest.revision, r.versions])).to.deep.equal([
      ['SOP-QA-0001', 'effective', '3.0', 3],
      ['SOP-QA-0002', 'approved', '1.0', 1],
      ['WI-QA-0001', 'obsolete', '1.0', 1],
    ]);
    expect(documentsList(sources, { at: at(40), site: 'basel' }).map((r) => r.number)).to.deep.equal(['SOP-QA-0002', 'WI-QA-0001']);
    expect(documentsList(sources, { at: at(40), type: 'work-instruction' }).map((r) => r.number)).to.deep.equal(['WI-QA-0001']);
    expect(documentsList(sources, { at: at(40), text: 'clean' }).map((r) => r.number)).to.deep.equal(['SOP-QA-0001', 'SOP-QA-0002']);
    expect(documentsList(sources, { at: at(40), clause: '7.5', status: 'effective' }).map((r) => r.number)).to.deep.equal(['SOP-QA-0001']);
  });
});
