import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dueReports, reportRules, ruleSetProblem, SHIPPED_RULES, type ReportRule } from '../../../processes/complaint/reportability.js';

/** The complaint's reportability rules: which reports the QA assessment's answers call for, and their clocks from the awareness date. */
describe('complaint reportability rules', () => {
  const rules = (answers: Record<string, unknown>) => dueReports(SHIPPED_RULES, answers, '2026-03-02').map((r) => r.rule);

  it('a public health threat on both markets: the FDA 5-day and EU 2-day reports, which replace the longer ones', () => {
    expect(rules({ harm: 'death', malfunction: true, publicHealthThreat: true, soldInUs: true, soldInEu: true })).to.deep.equal(['eu-mdr-2-day', 'fda-mdr-5-day']);
  });

  it('a death on the EU market only: the EU 10-day report; a malfunction in the US: the FDA 30-day report', () => {
    expect(rules({ harm: 'death', soldInEu: true })).to.deep.equal(['eu-mdr-10-day']);
    expect(rules({ harm: 'none', malfunction: true, soldInUs: true })).to.deep.equal(['fda-mdr-30-day']);
  });

  it('no harm, no malfunction, no threat, or a market no rule covers: no report', () => {
    expect(rules({ harm: 'none', soldInUs: true, soldInEu: true })).to.deep.equal([]);
    expect(rules({ harm: 'death', publicHealthThreat: true })).to.deep.equal([]);
  });

  it('counts calendar days from the awareness date to the end of the deadline day, and escalates the rule\'s lead before it', () => {
    const [report] = dueReports(SHIPPED_RULES, { harm: 'serious-injury', soldInEu: true }, '2026-03-02');
    expect(report).to.deep.include({ rule: 'eu-mdr-15-day', deadline: '2026-03-17T23:59:59.999Z', escalateAt: '2026-03-12T23:59:59.999Z' });
    const [urgent] = dueReports(SHIPPED_RULES, { publicHealthThreat: true, soldInEu: true }, '2026-03-02');
    expect(urgent).to.deep.include({ rule: 'eu-mdr-2-day', deadline: '2026-03-04T23:59:59.999Z', escalateAt: '2026-03-03T23:59:59.999Z' });
  });

  it('a site\'s own rule set from IMSFLOW_COMPLAINT_RULES replaces the shipped one; an unsound one stops the start with the reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'imsflow-complaint-rules-'));
    try {
      const own: ReportRule[] = [{ id: 'hc-mdpr-10-day', label: 'Health Canada mandatory problem report (10 days)', authority: 'Health Canada', days: 10, escalateBefore: 'P3D', requires: { soldInCa: [true] }, when: [{ harm: ['death', 'serious-injury'] }] }];
      writeFileSync(join(dir, 'rules.json'), JSON.stringify(own));
      const loaded = reportRules({ IMSFLOW_COMPLAINT_RULES: join(dir, 'rules.json') });
      expect(dueReports(loaded, { harm: 'death', soldInCa: true }, '2026-03-02').map((r) => [r.rule, r.deadline])).to.deep.equal([['hc-mdpr-10-day', '2026-03-12T23:59:59.999Z']]);
      expect(reportRules({})).to.equal(SHIPPED_RULES);

      writeFileSync(join(dir, 'bad.json'), JSON.stringify([{ ...own[0], supersedes: ['nowhere'] }]));
      expect(() => reportRules({ IMSFLOW_COMPLAINT_RULES: join(dir, 'bad.json') })).to.throw(/supersedes unknown rule nowhere/);
      writeFileSync(join(dir, 'days.json'), JSON.stringify([{ ...own[0], days: 0 }]));
      expect(() => reportRules({ IMSFLOW_COMPLAINT_RULES: join(dir, 'days.json') })).to.throw(/IMSFLOW_COMPLAINT_RULES .*days/);
      expect(() => reportRules({ IMSFLOW_COMPLAINT_RULES: join(dir, 'missing.json') })).to.throw(/cannot read it/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the shipped set is sound; twice the same id or an invalid lead is not', () => {
    expect(ruleSetProblem(SHIPPED_RULES)).to.equal(undefined);
    expect(ruleSetProblem([SHIPPED_RULES[0]!, SHIPPED_RULES[0]!])).to.match(/unique/);
    expect(ruleSetProblem([{ ...SHIPPED_RULES[1]!, escalateBefore: 'soon' }])).to.match(/escalateBefore/);
  });
});
