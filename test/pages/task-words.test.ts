import { expect } from 'chai';
import { MessageCatalogue, readerFor } from '../../engine/kernel/i18n/index.js';
import { stepName, valuesIn } from '../../api/pages/task-form/words.js';
import { endOfWeek, endOfDay, firstDayAfter } from '../../api/pages/tasks/zone.js';

/**
 * A pack's step names in the reader's language, also when the BPMN fills them from the record: the task
 * holds its name as the engine resolved it, and the pack's message with arguments is filled with the values
 * found back in it. Days and weeks on the reader's clock.
 */
describe('task words: step names and days as the reader reads them', () => {
  const catalogue = new MessageCatalogue([
    {
      en: { 'capa.implement.name': 'Implement action {index}: {title}', 'capa.triage.name': 'Triage: rate the risk and decide on a CAPA{note}', 'capa.intake.name': 'Record the issue' },
      de: { 'capa.implement.name': 'Maßnahme {index} umsetzen: {title}', 'capa.triage.name': 'Triage: Risiko bewerten und über eine Korrekturmaßnahme entscheiden{note}', 'capa.intake.name': 'Problem erfassen' },
      fr: { 'capa.implement.name': 'Mettre en œuvre l’action {index} : {title}', 'capa.triage.name': 'Tri : évaluer le risque et décider d’une action corrective{note}', 'capa.intake.name': 'Enregistrer le problème' },
    },
  ]);
  const task = (elementId: string, name: string) => ({ definitionKey: 'capa', elementId, name });

  it('finds the values of a templated name back in the resolved one', () => {
    expect(valuesIn('Implement action {index}: {title}', 'Implement action 2: Fit a new seal: grade B')).to.deep.equal({ index: '2', title: 'Fit a new seal: grade B' });
    expect(valuesIn('Triage: rate the risk and decide on a CAPA{note}', 'Triage: rate the risk and decide on a CAPA')).to.deep.equal({ note: '' });
    expect(valuesIn('Implement action {index}: {title}', 'Implement the action')).to.equal(undefined);
    expect(valuesIn('{count, plural, one {# x} other {# xs}}', '2 xs')).to.equal(undefined);
  });

  it('names the step in German and French, filled from the record, and as resolved when the words were changed', () => {
    const de = readerFor(catalogue, 'de-CH', 'Europe/Zurich');
    const fr = readerFor(catalogue, 'fr-FR', 'Europe/Paris');
    expect(stepName(de, catalogue, task('implement', 'Implement action 2: Fit a new seal'))).to.equal('Maßnahme 2 umsetzen: Fit a new seal');
    expect(stepName(fr, catalogue, task('implement', 'Implement action 2: Fit a new seal'))).to.equal('Mettre en œuvre l’action 2 : Fit a new seal');
    expect(stepName(de, catalogue, task('triage', 'Triage: rate the risk and decide on a CAPA (risk 12: high)'))).to.equal('Triage: Risiko bewerten und über eine Korrekturmaßnahme entscheiden (risk 12: high)');
    expect(stepName(de, catalogue, task('intake', 'Record the issue'))).to.equal('Problem erfassen');
    // a process owner renamed the step: their words, never a raw template or a wrong translation
    expect(stepName(de, catalogue, task('intake', 'Log the complaint'))).to.equal('Log the complaint');
    expect(stepName(de, catalogue, task('implement', 'Do action 2 now'))).to.equal('Do action 2 now');
    expect(stepName(de, undefined, task('intake', 'Record the issue'))).to.equal('Record the issue');
  });

  it('ends a day and a week on the reader’s clock, summer time included', () => {
    expect(new Date(endOfDay('2026-05-10', 'Europe/Zurich')).toISOString()).to.equal('2026-05-10T21:59:59.999Z');
    expect(new Date(endOfDay('2026-01-10', 'Europe/Zurich')).toISOString()).to.equal('2026-01-10T22:59:59.999Z');
    // Sunday 10 May, 23:30 in Zurich: the week ends at midnight there
    expect(new Date(endOfWeek(Date.parse('2026-05-10T21:30:00Z'), 'Europe/Zurich')).toISOString()).to.equal('2026-05-10T22:00:00.000Z');
    // the same instant is already Monday in Auckland: its week runs to the next Sunday
    expect(new Date(endOfWeek(Date.parse('2026-05-10T21:30:00Z'), 'Pacific/Auckland')).toISOString()).to.equal('2026-05-17T12:00:00.000Z');
    // the day of the clocks going forward in Zurich has 23 hours
    expect(endOfDay('2026-03-29', 'Europe/Zurich') - endOfDay('2026-03-28', 'Europe/Zurich')).to.equal(23 * 3_600_000);
    expect(firstDayAfter(Date.parse('2026-05-14T22:30:00Z'), 'Europe/Zurich')).to.equal('2026-05-15');
    expect(firstDayAfter(Date.parse('2026-05-14T22:30:00Z'), 'UTC')).to.equal('2026-05-14');
  });
});

describe('authored words without their templates', () => {
  it('leaves out what nothing fills, keeping the words around it', async () => {
    const { withoutTemplates } = await import('../../api/pages/task-form/words.js');
    expect(withoutTemplates('Implement action ${item.index}: ${item.title}')).to.equal('Implement action …');
    expect(withoutTemplates('Triage: rate the risk and decide on a CAPA${output.riskScore.note}')).to.equal('Triage: rate the risk and decide on a CAPA …');
    expect(withoutTemplates('Assess ${item.number} ${item.title}')).to.equal('Assess …');
    expect(withoutTemplates('Record the issue')).to.equal('Record the issue');
  });
});
