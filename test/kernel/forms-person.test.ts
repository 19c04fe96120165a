import { expect } from 'chai';
import { ValidationError } from '../../engine/kernel/errors.js';
import { validateFormData, type DirectoryPerson, type FormContext } from '../../engine/kernel/forms.js';
import type { FormField } from '../../engine/kernel/model.js';

/**
 * Person fields are checked against the directory handed in (engine/features/people's personDirectory in
 * an engine): a later step assigns tasks to whoever is named, so a name that could not hold them is
 * refused when the form is sent, naming the field in words.
 */
describe('forms: person fields against the directory', () => {
  const people: DirectoryPerson[] = [
    { id: 'alex', name: 'Alex Auditor', active: true, roles: ['auditor'], sites: ['basel'] },
    { id: 'sam', name: 'Sam Staff', active: true, roles: ['staff'], sites: ['basel'] },
    { id: 'dora', name: 'Dora Departed', active: false, roles: ['auditor'], sites: ['basel'] },
    { id: 'lyn', name: 'Lyn Lyon', active: true, roles: ['auditor'], sites: ['lyon'] },
    { id: 'ada', name: 'Ada Admin', active: true, roles: ['admin', 'auditor'] },
  ];
  const emails = new Map(people.map((p) => [`${p.id}@example.com`, p]));
  const context: FormContext = { site: 'basel', people: { person: async (given) => people.find((p) => p.id === given) ?? emails.get(given.toLowerCase()) } };
  const lead: FormField = { key: 'leadAuditor', label: 'Lead auditor', type: 'person', required: true, role: 'auditor' };
  const auditee: FormField = { key: 'auditee', label: 'Auditee', type: 'person', required: false };

  const refusal = async (data: unknown, ctx: FormContext = context): Promise<string[]> => {
    try {
      await validateFormData([lead, auditee], data, ctx);
    } catch (err) {
      if (err instanceof ValidationError) return err.fields.map((f) => `${f.field}: ${f.message}`);
      throw err;
    }
    return [];
  };

  it('refuses a staff member as lead auditor, in a sentence naming the field, the person and the site', async () => {
    expect(await refusal({ leadAuditor: 'sam' })).to.deep.equal(['leadAuditor: Lead auditor: Sam Staff is not an auditor at basel']);
  });

  it('refuses a deactivated person, someone of another site and a name nobody has', async () => {
    expect(await refusal({ leadAuditor: 'dora' })).to.deep.equal(['leadAuditor: Lead auditor: Dora Departed is no longer active']);
    expect(await refusal({ leadAuditor: 'lyn' })).to.deep.equal(['leadAuditor: Lead auditor: Lyn Lyon does not work at basel']);
    expect(await refusal({ leadAuditor: 'alex', auditee: 'Mr Nobody' })).to.deep.equal(['auditee: Auditee: nobody in the directory has the user id or email “Mr Nobody”']);
  });

  it('reports directory problems together with every other problem of the form', async () => {
    expect(await refusal({ leadAuditor: 'sam', extra: 1 })).to.deep.equal(['extra: is not a field of this task', 'leadAuditor: Lead auditor: Sam Staff is not an auditor at basel']);
  });

  it('takes a user id or an email address and keeps the user id, which later steps assign tasks to', async () => {
    expect(await validateFormData([lead, auditee], { leadAuditor: ' alex ', auditee: 'SAM@example.com' }, context)).to.deep.equal({ leadAuditor: 'alex', auditee: 'sam' });
  });

  it('counts an administrator as of every site; a field without a role takes any active person of the site', async () => {
    expect(await validateFormData([lead, auditee], { leadAuditor: 'ada', auditee: 'alex' }, context)).to.deep.equal({ leadAuditor: 'ada', auditee: 'alex' });
    // a record of no site: any active holder of the role
    expect(await validateFormData([lead], { leadAuditor: 'lyn' }, { people: context.people! })).to.deep.equal({ leadAuditor: 'lyn' });
  });
});
