import { expect } from 'chai';
import { ValidationError } from '../engine/errors.js';
import { validateFormData } from '../engine/forms.js';
import type { FormField } from '../engine/model.js';
import { shippedCatalogue } from '../processes/index.js';

/** `clauses` fields: a list of clause catalogue ids, each checked against the catalogue. */
describe('forms: clauses fields', () => {
  const criteria: FormField = { key: 'criteria', label: 'Audit criteria', type: 'clauses', required: true };
  const context = { catalogue: shippedCatalogue() };
  const problem = (data: unknown, ctx = context): string => {
    try {
      validateFormData([criteria], data, ctx);
    } catch (err) {
      if (err instanceof ValidationError) return err.fields.map((f) => `${f.field}: ${f.message}`).join('; ');
      throw err;
    }
    return 'accepted';
  };

  it('accepts catalogue ids as a list or as comma-separated text, and keeps them in order', () => {
    expect(validateFormData([criteria], { criteria: ['8.1', '9001:8.4', '7.5'] }, context)).to.deep.equal({ criteria: ['8.1', '9001:8.4', '7.5'] });
    expect(validateFormData([criteria], { criteria: ' 7.5 , 14001:6.1.2' }, context)).to.deep.equal({ criteria: ['7.5', '14001:6.1.2'] });
  });

  it('refuses ids not in the catalogue, an id twice, an empty list and a list of nothing, naming the field', () => {
    expect(problem({ criteria: ['8.4', '99.1'] })).to.equal('criteria: Audit criteria names clauses that are not in the catalogue: 8.4, 99.1');
    expect(problem({ criteria: ['7.5', '7.5'] })).to.equal('criteria: Audit criteria lists 7.5 twice');
    expect(problem({ criteria: [] })).to.equal('criteria: Audit criteria is required');
    // text that holds only separators is not a list of clauses: without this the audit would go on with no criteria
    expect(problem({ criteria: ' , ' })).to.equal('criteria: Audit criteria names no clause');
    expect(problem({ criteria: [7.5] })).to.match(/^criteria: Audit criteria must be a list of clause ids/);
  });

  it('cannot be completed on a server without a clause catalogue', () => {
    expect(problem({ criteria: ['7.5'] }, {} as typeof context)).to.equal('criteria: Audit criteria cannot be checked: this server has no clause catalogue');
  });
});
