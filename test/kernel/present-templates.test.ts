import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { drawnName, markedName, withoutTemplates } from '../../engine/kernel/present/templates.js';

/**
 * Step names and labels with `${…}` templates, as people read them where nothing fills the templates in
 * (issue 15): in a label, in a read-only diagram, and on the editor's canvas.
 */

/** Every templated name of the shipped processes, with what a read-only diagram draws for it. */
const SHIPPED: Record<string, string> = {
  'Triage: rate the risk and decide on a CAPA${output.riskScore.note}': 'Triage: rate the risk and decide on a CAPA',
  'Implement action ${item.index}: ${item.title}': 'Implement action …',
  'Plan the audit${output.independence.summary}': 'Plan the audit',
  'Audit ${item.number} ${item.title}': 'Audit …',
  'Plan the audit programme${output.checkProgramme.summary}': 'Plan the audit programme',
  'Set the scope of the gap analysis${output.scopeList.problem}': 'Set the scope of the gap analysis',
  'Assess ${item.number} ${item.title}': 'Assess …',
  'Close gap ${item.number}: ${item.title}': 'Close gap …',
  'Complete the review actions: ${output.reviewActions.problem}': 'Complete the review actions',
  'Reporting deadline near: ${output.nextReport.label}': 'Reporting deadline near',
  'File the report: ${output.nextReport.label}': 'File the report',
  'Review action ${item.n}: ${item.title}': 'Review action …',
  'Read and understood: ${variables.processName} version ${variables.version}': 'Read and understood: … version …',
  'Answer questions about ${variables.processName} version ${variables.version}': 'Answer questions about … version …',
  'Write revision ${output.numbering.revision} of ${output.numbering.number} ${output.numbering.title}': 'Write revision … of …',
  'Review revision ${output.numbering.revision} of ${output.numbering.number} ${output.numbering.title}': 'Review revision … of …',
  'Approve revision ${output.numbering.revision} of ${output.numbering.number} ${output.numbering.title}': 'Approve revision … of …',
  'Periodic review of ${output.numbering.number} ${output.numbering.title}': 'Periodic review of …',
  'Assess the impact: ${item.name}': 'Assess the impact: …',
  'Decide on recordability${output.recordability.summary}': 'Decide on recordability',
};

function shippedTemplatedNames(): string[] {
  const root = join(import.meta.dirname, '../../processes');
  const names: string[] = [];
  for (const pack of readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    for (const file of readdirSync(join(root, pack.name)).filter((name) => name.endsWith('.bpmn'))) {
      const xml = readFileSync(join(root, pack.name, file), 'utf8');
      for (const [, name] of xml.matchAll(/\sname="([^"]*\$\{[^"]*)"/g)) names.push(name!);
    }
  }
  return names;
}

describe('authored words without their templates', () => {
  it('a label: what nothing fills is left out, the words around it kept', () => {
    expect(withoutTemplates('Implement action ${item.index}: ${item.title}')).to.equal('Implement action …');
    expect(withoutTemplates('Triage: rate the risk and decide on a CAPA${output.riskScore.note}')).to.equal('Triage: rate the risk and decide on a CAPA …');
    expect(withoutTemplates('Read and understood: ${variables.processName} version ${variables.version}')).to.equal('Read and understood: … version …');
    expect(withoutTemplates('${item.index}: ${item.title}')).to.equal('…');
    expect(withoutTemplates('Record the issue')).to.equal('Record the issue');
    // an unclosed `${` is not a template (the deployment rules refuse it): shown as written
    expect(withoutTemplates('Cost in ${ (estimate)')).to.equal('Cost in ${ (estimate)');
  });

  it('a read-only diagram: every shipped templated name drawn as words, a check’s note at the end left out', () => {
    const names = shippedTemplatedNames();
    expect([...new Set(names)].sort(), 'a new templated name: choose how it is drawn').to.deep.equal(Object.keys(SHIPPED).sort());
    for (const name of names) expect(drawnName(name), name).to.equal(SHIPPED[name]);
    // only a note at the end goes: a value in the middle, or an item's, reads as "…"
    expect(drawnName('Check ${output.batch.number} again')).to.equal('Check … again');
    expect(drawnName('${output.summary}')).to.equal('…');
    expect(drawnName('Record the issue')).to.equal('Record the issue');
  });

  it('the editor: each template a marker named after its value', () => {
    expect(markedName('Triage: rate the risk and decide on a CAPA${output.riskScore.note}')).to.equal('Triage: rate the risk and decide on a CAPA ‹note›');
    expect(markedName('Implement action ${item.index}: ${item.title}')).to.equal('Implement action ‹index›: ‹title›');
    expect(markedName('Read and understood: ${variables.processName} version ${variables.version}')).to.equal('Read and understood: ‹processName› version ‹version›');
    expect(markedName('Record the issue')).to.equal('Record the issue');
  });

  it('reads a hostile name in one pass', () => {
    const hostile = `${'${'.repeat(200_000)}x`;
    const started = performance.now();
    expect(withoutTemplates(hostile)).to.equal(hostile);
    expect(drawnName(hostile)).to.equal(hostile);
    const many = '${a} '.repeat(100_000) + '${output.note}';
    expect(withoutTemplates(many)).to.equal('…');
    expect(drawnName(many)).to.equal('…');
    expect(markedName(many)).to.have.length(100_000 * 4 + '‹note›'.length);
    expect(performance.now() - started).to.be.below(1000);
  });
});
