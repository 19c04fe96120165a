import { expect } from 'chai';
import { PAGE_MESSAGES } from '../../api/pages/reader.js';
import { problemText, requiredNote } from '../../api/pages/task-form/problems.js';
import { MessageCatalogue, readerFor } from '../../engine/kernel/i18n/index.js';
import type { FormField } from '../../engine/kernel/model.js';

/**
 * A row of a form whose cells belong together (an action and its owner): the label says the one is needed
 * once the other is filled in, and the refusal says so in the reader's language, naming both fields.
 */
describe('task form words: a field required when another is filled in', () => {
  const catalogue = new MessageCatalogue([PAGE_MESSAGES]);
  const action: FormField = { key: 'action2', label: 'Action 2', type: 'longtext', required: false, requiredWhen: { field: 'action2Owner', values: [] } };
  const owner: FormField = { key: 'action2Owner', label: 'Owner of action 2', type: 'person', required: false, requiredWhen: { field: 'action2', values: [] } };
  const task = { definitionKey: 'no-pack', elementId: 'plan', form: [action, owner] };
  const refusal = { field: 'action2Owner', message: 'Owner of action 2 is required when Action 2 is filled in' };

  it('says it next to the label and in the refusal, in English, German and French', () => {
    const en = readerFor(catalogue, 'en-GB', 'Europe/London');
    const de = readerFor(catalogue, 'de-CH', 'Europe/Zurich');
    const fr = readerFor(catalogue, 'fr-FR', 'Europe/Paris');
    expect(requiredNote(en, task, owner)).to.equal(' (required when Action 2 is filled in)');
    expect(requiredNote(de, task, owner)).to.equal(' (Pflichtfeld, wenn „Action 2“ ausgefüllt ist)');
    expect(problemText(en, task, refusal, { action2: 'Retrain the night shift' })).to.match(/^Owner of action 2\W+enter a value, it is required when Action 2 is filled in\.$/);
    expect(problemText(fr, task, refusal)).to.include('ce champ est obligatoire si « Action 2 » est renseigné.');
  });
});
