import { expect } from 'chai';
import { ValidationError } from '../../engine/kernel/errors.js';
import { validateFormData } from '../../engine/kernel/forms.js';
import type { FormField } from '../../engine/kernel/model.js';
import { shippedCatalogue } from '../../processes/index.js';

/** The message of the ValidationError a check is refused with. */
async function refused(check: Promise<unknown>): Promise<string> {
  try {
    await check;
  } catch (err) {
    if (err instanceof ValidationError) return err.message;
    throw err;
  }
  return 'accepted';
}

/** `clauses` fields: a list of clause catalogue ids, each checked against the catalogue. */
describe('forms: clauses fields', () => {
  const criteria: FormField = { key: 'criteria', label: 'Audit criteria', type: 'clauses', required: true };
  const context = { catalogue: shippedCatalogue() };
  const problem = async (data: unknown, ctx = context): Promise<string> => {
    try {
      await validateFormData([criteria], data, ctx);
    } catch (err) {
      if (err instanceof ValidationError) return err.fields.map((f) => `${f.field}: ${f.message}`).join('; ');
      throw err;
    }
    return 'accepted';
  };

  it('accepts catalogue ids as a list or as comma-separated text, and keeps them in order', async () => {
    expect(await validateFormData([criteria], { criteria: ['8.1', '9001:8.4', '7.5'] }, context)).to.deep.equal({ criteria: ['8.1', '9001:8.4', '7.5'] });
    expect(await validateFormData([criteria], { criteria: ' 7.5 , 14001:6.1.2' }, context)).to.deep.equal({ criteria: ['7.5', '14001:6.1.2'] });
  });

  it('refuses unknown or repeated clause ids and empty lists, naming the field', async () => {
    expect(await problem({ criteria: ['8.4', '99.1'] })).to.equal('criteria: Audit criteria names clauses that are not in the catalogue: 8.4, 99.1');
    expect(await problem({ criteria: ['7.5', '7.5'] })).to.equal('criteria: Audit criteria lists 7.5 twice');
    expect(await problem({ criteria: [] })).to.equal('criteria: Audit criteria is required');
    // text that holds only separators is not a list of clauses: without this the audit would go on with no criteria
    expect(await problem({ criteria: ' , ' })).to.equal('criteria: Audit criteria names no clause');
    expect(await problem({ criteria: [7.5] })).to.match(/^criteria: Audit criteria must be a list of clause ids/);
  });

  it('cannot be completed on a server without a clause catalogue', async () => {
    expect(await problem({ criteria: ['7.5'] }, {} as typeof context)).to.equal('criteria: Audit criteria cannot be checked: this server has no clause catalogue');
  });
});

/** ims:requiredWhen: a field required only when another field of the form has one of the listed values. */
describe('forms: requiredWhen', () => {
  const fullCapa: FormField = {
    key: 'fullCapa',
    label: 'Full CAPA needed',
    type: 'select',
    required: true,
    options: [
      { value: 'yes', label: 'Yes' },
      { value: 'no', label: 'No' },
    ],
  };
  const justification: FormField = { key: 'justification', label: 'Justification', type: 'longtext', required: false, requiredWhen: { field: 'fullCapa', values: ['no'] } };
  const owner: FormField = { key: 'owner', label: 'Owner', type: 'person', required: false, requiredWhen: { field: 'fullCapa', values: ['yes'] } };
  const score: FormField = { key: 'score', label: 'Score', type: 'number', required: false };
  const note: FormField = { key: 'note', label: 'Note', type: 'text', required: false, requiredWhen: { field: 'score', values: ['4', '5'] } };
  const deviation: FormField = { key: 'deviation', label: 'Deviation', type: 'checkbox', required: false };
  const reason: FormField = { key: 'reason', label: 'Reason', type: 'text', required: false, requiredWhen: { field: 'deviation', values: ['true'] } };
  const plain: FormField = { key: 'plain', label: 'Plain', type: 'text', required: false, requiredWhen: { field: 'deviation', values: ['false'] } };
  const problems = async (fields: FormField[], data: unknown): Promise<string[]> => {
    try {
      await validateFormData(fields, data);
    } catch (err) {
      if (err instanceof ValidationError) return err.fields.map((f) => `${f.field}: ${f.message}`);
      throw err;
    }
    return [];
  };

  it('requires the field when the other field has one of the values, saying why', async () => {
    expect(await problems([fullCapa, owner, justification], { fullCapa: 'no' })).to.deep.equal(['justification: Justification is required when Full CAPA needed is No']);
    expect(await problems([fullCapa, owner, justification], { fullCapa: 'yes', justification: '' })).to.deep.equal(['owner: Owner is required when Full CAPA needed is Yes']);
    // a number compares as its cleaned value; without an option the message names the value
    expect(await problems([score, note], { score: ' 4' })).to.deep.equal(['note: Note is required when Score is 4']);
    expect(await problems([score, note], { score: 5 })).to.deep.equal(['note: Note is required when Score is 5']);
  });

  it('does not require it otherwise: another value, the other field empty or invalid', async () => {
    expect(await validateFormData([fullCapa, owner, justification], { fullCapa: 'yes', owner: 'olga' })).to.deep.equal({ fullCapa: 'yes', owner: 'olga' });
    expect(await validateFormData([fullCapa, owner, justification], { fullCapa: 'no', justification: 'One-off.' })).to.deep.equal({ fullCapa: 'no', justification: 'One-off.' });
    expect(await validateFormData([score, note], { score: 3 })).to.deep.equal({ score: 3 });
    expect(await validateFormData([score, note], {})).to.deep.equal({});
    // the other field's own error is reported, not a condition read from a value it refuses
    expect(await problems([fullCapa, owner, justification], { fullCapa: 'maybe' })).to.deep.equal(['fullCapa: Full CAPA needed must be one of yes, no']);
  });

  it('compares a checkbox as "true" or "false", an unticked one being "false"', async () => {
    expect(await problems([deviation, reason], { deviation: 'on' })).to.deep.equal(['reason: Reason is required when Deviation is true']);
    expect(await problems([deviation, reason], { deviation: true, reason: 'Line stopped.' })).to.deep.equal([]);
    expect(await validateFormData([deviation, reason], { deviation: false })).to.deep.equal({ deviation: false });
    expect(await problems([deviation, plain], {})).to.deep.equal(['plain: Plain is required when Deviation is false']);
    expect(await problems([deviation, plain], { deviation: 'false' })).to.deep.equal(['plain: Plain is required when Deviation is false']);
    expect(await validateFormData([deviation, plain], { deviation: 'true' })).to.deep.equal({ deviation: true });
  });

  it('reports the conditional errors with every other field error at once', async () => {
    expect(await problems([fullCapa, owner, justification, score, note], { fullCapa: 'no', score: 'x', extra: 1 })).to.deep.equal([
      'extra: is not a field of this task',
      'justification: Justification is required when Full CAPA needed is No',
      'score: Score must be a number',
    ]);
  });
});

describe('forms: requiredWhen another field is filled in (a row of a form)', () => {
  const action: FormField = { key: 'action2', label: 'Action 2', type: 'longtext', required: false, requiredWhen: { field: 'action2Owner', values: [] } };
  const owner: FormField = { key: 'action2Owner', label: 'Owner of action 2', type: 'person', required: false, requiredWhen: { field: 'action2', values: [] } };
  const refusal = async (data: unknown): Promise<string[]> => {
    try {
      await validateFormData([action, owner], data);
    } catch (err) {
      if (err instanceof ValidationError) return err.fields.map((f) => `${f.field}: ${f.message}`);
      throw err;
    }
    return [];
  };

  it('requires the other cell of a row once one is filled in, naming the field and why', async () => {
    expect(await refusal({ action2: 'Retrain the night shift' })).to.deep.equal(['action2Owner: Owner of action 2 is required when Action 2 is filled in']);
    expect(await refusal({ action2Owner: 'olga' })).to.deep.equal(['action2: Action 2 is required when Owner of action 2 is filled in']);
    // spaces are nothing written: they neither fill a cell nor make the other one needed
    expect(await refusal({ action2: 'Retrain the night shift', action2Owner: '   ' })).to.deep.equal(['action2Owner: Owner of action 2 is required when Action 2 is filled in']);
  });

  it('accepts a row filled in or left empty', async () => {
    expect(await validateFormData([action, owner], { action2: 'Retrain the night shift', action2Owner: 'olga' })).to.deep.equal({ action2: 'Retrain the night shift', action2Owner: 'olga' });
    expect(await validateFormData([action, owner], { action2: '', action2Owner: ' ' })).to.deep.equal({});
  });

  it('reads a ticked checkbox as filled in, an unticked one as not', async () => {
    const deviation: FormField = { key: 'deviation', label: 'Deviation', type: 'checkbox', required: false };
    const reason: FormField = { key: 'reason', label: 'Reason', type: 'text', required: false, requiredWhen: { field: 'deviation', values: [] } };
    expect(await refused(validateFormData([deviation, reason], { deviation: 'on' }))).to.match(/form has 1 error/);
    expect(await validateFormData([deviation, reason], { deviation: false })).to.deep.equal({ deviation: false });
  });
});
