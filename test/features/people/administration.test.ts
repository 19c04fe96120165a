import { expect } from 'chai';
import { ConflictError, NotFoundError, NotPermittedError, TooLargeError, ValidationError } from '../../../engine/kernel/errors.js';
import { Accounts } from '../../../engine/features/accounts/index.js';
import { bpmn, testEngine, type TestEngine } from '../../helpers.js';

/**
 * The administration of people: who may (admins; site administrators for their sites), every change in
 * the audit trail with old → new and why, and deactivation that closes every door and hands the person's
 * open tasks over in one commit.
 */

const HANDOVER = bpmn(
  'handover',
  `<startEvent id="s" /><sequenceFlow id="f0" sourceRef="s" targetRef="split" /><parallelGateway id="split" />
   <sequenceFlow id="f1" sourceRef="split" targetRef="pool" /><sequenceFlow id="f2" sourceRef="split" targetRef="named" />
   <userTask id="pool" name="Assess the deviation" ims:candidateRole="quality-manager" />
   <userTask id="named" name="Write the report" ims:assignee="pat" />
   <sequenceFlow id="f3" sourceRef="pool" targetRef="join" /><sequenceFlow id="f4" sourceRef="named" targetRef="join" />
   <parallelGateway id="join" /><sequenceFlow id="f5" sourceRef="join" targetRef="e" /><endEvent id="e" />`,
  'ims:ownerRole="process-owner"',
);

async function expectRejected<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(type);
    return err as T;
  }
  expect.fail(`expected a ${type.name}`);
}

describe('administration of people', () => {
  let t: TestEngine;
  beforeEach(async () => {
    t = await testEngine();
    await t.imsflow.saveUser({ id: 'ada', email: 'ada@example.com', name: 'Ada Admin', roles: ['admin'] }, 'setup');
    await t.imsflow.saveUser({ id: 'sam', email: 'sam@example.com', name: 'Sam Siteadmin', roles: ['site-admin'], sites: ['basel'] }, 'setup');
    await t.imsflow.saveUser({ id: 'mia', email: 'mia@example.com', name: 'Mia Manager', roles: ['quality-manager'], sites: ['basel'] }, 'setup');
    await t.imsflow.saveUser({ id: 'pat', email: 'pat@example.com', name: 'Pat Leaver', roles: ['quality-manager', 'staff'], sites: ['basel'], managerId: 'mia' }, 'setup');
    await t.imsflow.saveUser({ id: 'lyon1', email: 'lyon1@example.com', name: 'Louis Lyon', roles: ['staff'], sites: ['lyon'] }, 'setup');
  });

  it('an admin creates a person; the id comes from the email and the audit trail has the new profile and why', async () => {
    const made = await t.imsflow.people.create('ada', { email: 'Anna.Berger@Example.com', name: ' Anna Berger ', roles: 'staff, auditor', sites: ['basel'], managerId: 'mia' }, 'new starter');
    expect(made).to.include({ id: 'anna.berger', email: 'anna.berger@example.com', name: 'Anna Berger', managerId: 'mia', active: true });
    expect(made.roles).to.deep.equal(['auditor', 'staff']);
    const [event] = await t.store.listAudit({ target: 'user:anna.berger' });
    expect(event).to.deep.include({ actor: 'ada', action: 'user.created', reason: 'new starter' });
    // a second Anna gets her own id; the same email is refused
    expect((await t.imsflow.people.create('ada', { email: 'anna.berger@other.example', name: 'Anna Berger' })).id).to.equal('anna.berger-2');
    await expectRejected(t.imsflow.people.create('ada', { email: 'anna.berger@example.com', name: 'Anna B' }), ConflictError);
  });

  it('refuses bad input naming each field, and a manager who is the person or reports to them', async () => {
    const err = await expectRejected(t.imsflow.people.create('ada', { email: 'not-an-email', name: '', roles: ['Bad Role'], managerId: 'nobody' }), ValidationError);
    expect(err.fields.map((f) => f.field).sort()).to.deep.equal(['email', 'managerId', 'name', 'roles']);
    const circle = await expectRejected(t.imsflow.people.update('ada', 'mia', { managerId: 'pat' }, 'reorganisation'), ValidationError);
    expect(circle.fields[0]).to.deep.include({ field: 'managerId' });
    expect(circle.fields[0].message).to.match(/Pat Leaver reports to this person already/);
  });

  it('an edit records old → new and the reason; an edit without a reason is refused', async () => {
    await expectRejected(t.imsflow.people.update('ada', 'pat', { roles: ['staff'] }, ' '), ValidationError);
    const saved = await t.imsflow.people.update('ada', 'pat', { roles: ['staff', 'auditor'], name: 'Pat Lever' }, 'moved to internal audit');
    expect(saved.roles).to.deep.equal(['auditor', 'staff']);
    const events = await t.store.listAudit({ target: 'user:pat' });
    const edit = events[events.length - 1];
    expect(edit).to.deep.include({ actor: 'ada', action: 'user.updated', reason: 'moved to internal audit' });
    expect(edit.old).to.deep.include({ name: 'Pat Leaver', roles: ['quality-manager', 'staff'] });
    expect(edit.new).to.deep.include({ name: 'Pat Lever', roles: ['auditor', 'staff'] });
  });

  it('a site administrator administers the people of their sites only, and gives no admin-only role', async () => {
    expect((await t.imsflow.people.list('sam')).map((p) => p.id)).to.deep.equal(['mia', 'pat']);
    await expectRejected(t.imsflow.people.view('sam', 'lyon1'), NotFoundError);
    await expectRejected(t.imsflow.people.update('sam', 'lyon1', { name: 'X' }, 'why'), NotFoundError);
    expect((await t.imsflow.people.update('sam', 'pat', { roles: ['staff'] }, 'left the QA team')).roles).to.deep.equal(['staff']);
    const site = await expectRejected(t.imsflow.people.create('sam', { email: 'x@example.com', name: 'X', sites: ['lyon'] }), NotPermittedError);
    expect(site.message).to.match(/own sites \(basel\)/);
    const role = await expectRejected(t.imsflow.people.update('sam', 'pat', { roles: ['admin'] }, 'promotion'), NotPermittedError);
    expect(role.message).to.match(/only an administrator gives or takes the roles admin/);
    await expectRejected(t.imsflow.people.list('mia'), NotPermittedError);
    await expectRejected(t.imsflow.people.deactivate('mia', 'pat', 'left'), NotPermittedError);
  });

  it('deactivation ends sessions, revokes tokens and links and hands each open task over, in one commit', async () => {
    await t.imsflow.deploy(HANDOVER, 'ada');
    const started = await t.imsflow.start('handover', { site: 'basel' }, 'mia');
    const tasks = await t.imsflow.listTasks({ instanceId: started.id });
    const pool = tasks.find((x) => x.elementId === 'pool')!;
    await t.imsflow.tasks.claim({ user: (await t.store.getUser('pat'))! }, pool.id);
    const accounts = new Accounts(t.store, t.clock);
    const { token } = await accounts.createApiToken('pat', 'MES', 'pat');
    await t.store.commit({ sessions: [{ id: 'pat-session', userId: 'pat', createdAt: t.clock.now().toISOString(), lastSeenAt: t.clock.now().toISOString(), expiresAt: '2099-01-01T00:00:00Z', csrf: 'c', authenticatedAt: t.clock.now().toISOString() }], audit: [] });
    const named = tasks.find((x) => x.elementId === 'named')!;
    await t.store.commit({ linkTokens: [{ id: 'link-pat', taskId: named.id, userId: 'pat', createdAt: t.clock.now().toISOString(), expiresAt: '2099-01-01T00:00:00Z' }], audit: [] });
    const seqBefore = (await t.store.listAudit({ limit: 100_000 })).length;

    await expectRejected(t.imsflow.people.deactivate('ada', 'ada', 'oops'), NotPermittedError);
    await expectRejected(t.imsflow.people.deactivate('ada', 'pat', ''), ValidationError);
    const done = await t.imsflow.people.deactivate('ada', 'pat', 'left the company');
    expect(done).to.deep.include({ sessionsEnded: 1, tokensRevoked: 1, linksRevoked: 1 });
    // the claimed pool task goes back to its role (Mia holds it too), the named task to Pat's manager
    expect(Object.fromEntries(done.tasks.map((x) => [x.name, x.handover]))).to.deep.equal({ 'Assess the deviation': 'role-pool', 'Write the report': 'manager' });
    expect(await t.store.getTask(pool.id)).to.deep.include({ candidateRole: 'quality-manager' }).and.not.have.property('assignee');
    expect(await t.store.getTask(named.id)).to.deep.include({ assignee: 'mia' });
    expect(await t.store.getSession('pat-session')).to.equal(undefined);
    expect(await accounts.apiToken(token)).to.equal(undefined);
    expect((await t.store.getLinkToken('link-pat'))!.revokedReason).to.equal('account deactivated');

    const events = (await t.store.listAudit({ limit: 100_000 })).slice(seqBefore);
    expect(new Set(events.map((e) => e.at)).size, 'one commit, one time').to.equal(1);
    expect(events.map((e) => e.action)).to.deep.equal(['user.deactivated', 'user.links-revoked', 'user.sessions-ended', 'user.api-token-revoked', 'task.reassigned', 'task.reassigned']);
    expect(events[0]).to.deep.include({ actor: 'ada', reason: 'left the company', old: { active: true }, new: { active: false } });
    const handedToManager = events.find((e) => e.target === `task:${named.id}`)!;
    expect(handedToManager.reason).to.equal('Pat Leaver was deactivated (left the company): given to their manager');
    expect(handedToManager.old).to.deep.include({ assignee: 'pat' });
    expect(handedToManager.new).to.deep.include({ assignee: 'mia', handover: 'manager' });

    await expectRejected(t.imsflow.people.deactivate('ada', 'pat', 'again'), ConflictError);
    const back = await t.imsflow.people.reactivate('ada', 'pat', 'rehired');
    expect(back.active).to.equal(true);
    expect((await t.store.getLinkToken('link-pat'))!.revokedAt, 'links stay revoked').to.be.a('string');
  });

  it('escalates to the process owners a task nobody else at its site can take', async () => {
    await t.imsflow.deploy(HANDOVER, 'ada');
    await t.imsflow.people.update('ada', 'pat', { managerId: '' }, 'manager left');
    const started = await t.imsflow.start('handover', { site: 'basel' }, 'mia');
    const named = (await t.imsflow.listTasks({ instanceId: started.id })).find((x) => x.elementId === 'named')!;
    const done = await t.imsflow.people.deactivate('sam', 'pat', 'contract ended');
    expect(done.tasks.find((x) => x.id === named.id)).to.deep.include({ handover: 'escalated', to: { candidateRole: 'process-owner' } });
    const [event] = (await t.store.listAudit({ target: `task:${named.id}` })).slice(-1);
    expect(event.reason).to.match(/escalated to the process owners: nobody else at its site could take it$/);
  });

  describe('CSV import', () => {
    const header = 'email,display name,roles,sites,manager email,locale\n';

    it('a dry run says per row what would change and writes nothing; applying writes all rows in one commit', async () => {
      const csv = `${header}new1@example.com,New One,staff,basel,mia@example.com,de-CH\npat@example.com,Pat Leaver,"staff; auditor",basel,,\nmia@example.com,Mia Manager,,,,\nnew2@example.com,"Two, New",staff,basel,new1@example.com,\n`;
      const before = (await t.store.listAudit({ limit: 100_000 })).length;
      const plan = await t.imsflow.people.planImport('ada', csv);
      expect(plan.counts).to.deep.equal({ create: 2, update: 1, unchanged: 1, error: 0 });
      expect(plan.rows.map((r) => [r.row, r.outcome])).to.deep.equal([[2, 'create'], [3, 'update'], [4, 'unchanged'], [5, 'create']]);
      expect(plan.rows[1].changes).to.deep.equal([{ field: 'roles', old: ['quality-manager', 'staff'], new: ['auditor', 'staff'] }]);
      expect(plan.rows[3].changes).to.deep.include({ field: 'manager', new: 'new1@example.com' });
      expect((await t.store.listAudit({ limit: 100_000 })).length, 'a dry run writes nothing').to.equal(before);
      expect(await t.store.getUserByEmail('new1@example.com')).to.equal(undefined);

      await expectRejected(t.imsflow.people.applyImport('ada', csv, 'not-the-digest'), ConflictError);
      await t.imsflow.people.applyImport('ada', csv, plan.digest, 'people.csv');
      expect(await t.store.getUserByEmail('new2@example.com')).to.deep.include({ name: 'Two, New', managerId: 'new1' });
      expect(await t.store.getUserByEmail('new1@example.com')).to.deep.include({ locale: 'de-CH' });
      const events = (await t.store.listAudit({ limit: 100_000 })).slice(before);
      expect(events.map((e) => e.action)).to.deep.equal(['user.created', 'user.updated', 'user.created', 'people.imported']);
      expect(new Set(events.map((e) => e.at)).size).to.equal(1);
      expect(events[3]).to.deep.include({ reason: 'imported from people.csv' });
      expect((await t.imsflow.people.planImport('ada', csv)).counts).to.deep.equal({ create: 0, update: 0, unchanged: 4, error: 0 });
    });

    it('names the row and column of each problem, and imports nothing while one row is wrong', async () => {
      const csv = `${header}ok@example.com,Fine Person,staff,basel,,\n=cmd@example.com,Evil,staff,basel,,\nbad,"=HYPERLINK(""x"")",Staff!,basel,ghost@example.com,xx\nok@example.com,Twice,staff,basel,,\n`;
      const plan = await t.imsflow.people.planImport('ada', csv);
      expect(plan.counts).to.deep.include({ create: 1, error: 3 });
      const problems = (row: number) => plan.rows.find((r) => r.row === row)!.problems.map((p) => p.column);
      expect(problems(3)).to.include('email');
      expect(problems(4)).to.include.members(['email', 'display name', 'roles', 'manager email', 'locale']);
      expect(plan.rows.find((r) => r.row === 4)!.problems.find((p) => p.column === 'display name')!.message).to.match(/formula/);
      expect(problems(5)).to.deep.equal(['email']);
      const err = await expectRejected(t.imsflow.people.applyImport('ada', csv, plan.digest), ValidationError);
      expect(err.fields.map((f) => f.field)).to.include('row 4: display name');
      expect(await t.store.getUserByEmail('ok@example.com'), 'all or nothing').to.equal(undefined);
    });

    it('a site administrator imports only people of their sites; unknown columns and huge files are refused', async () => {
      const plan = await t.imsflow.people.planImport('sam', `${header}a@example.com,A,staff,lyon,,\nb@example.com,B,admin,basel,,\n`);
      expect(plan.rows.map((r) => r.problems.map((p) => p.column))).to.deep.equal([['sites'], ['roles']]);
      const unknown = await expectRejected(t.imsflow.people.planImport('ada', 'email,name,salary\n'), ValidationError);
      expect(unknown.fields[0].message).to.match(/columns imsflow does not know: salary/);
      const many = `${header}${Array.from({ length: 2001 }, (_, i) => `p${i}@example.com,P ${i},staff,basel,,`).join('\n')}`;
      expect((await expectRejected(t.imsflow.people.planImport('ada', many), TooLargeError)).message).to.match(/at most 2000/);
      expect((await expectRejected(t.imsflow.people.planImport('ada', `${header}${'x'.repeat(1024 * 1024)}`), TooLargeError)).message).to.match(/1 MB/);
    });

    it('reads semicolon files, quoted line breaks and a BOM', async () => {
      const plan = await t.imsflow.people.planImport('ada', '\ufeffEmail;Name;Roles\r\nq@example.com;"Quote ""Q"" Person";staff auditor\r\n');
      expect(plan.rows[0]).to.deep.include({ outcome: 'create', name: 'Quote "Q" Person' });
      // a cell spanning two lines: the next person is named by the file line their row starts on
      const spanning = await t.imsflow.people.planImport('ada', `${header}m@example.com,"Multi\nLine",staff,basel,,\n=x@example.com,X,staff,basel,,\n`);
      expect(spanning.rows.map((r) => r.row)).to.deep.equal([2, 4]);
      const unclosed = await expectRejected(t.imsflow.people.planImport('ada', `${header}u@example.com,"Unclosed,staff,basel,,\n`), ValidationError);
      expect(unclosed.fields[0]).to.deep.include({ field: 'file' });
      expect(unclosed.fields[0].message).to.match(/quoted cell is not closed/);
    });
  });
});
