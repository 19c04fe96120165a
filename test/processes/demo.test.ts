import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Accounts } from '../../engine/features/accounts/index.js';
import { verifyAuditChain } from '../../engine/kernel/audit-chain.js';
import { systemClock } from '../../engine/kernel/clock.js';
import { ProcessEngine } from '../../engine/process-engine.js';
import { ROLES } from '../../engine/kernel/model.js';
import { SqliteStore } from '../../engine/adapters/sqlite/index.js';
import { localUrl } from '../../engine/boot/config.js';
import { DEMO_PASSWORD, DemoRefusedError, report, seedDemo, type DemoSummary } from '../../scripts/demo.js';

/** Counts of `key(item)` over items, as a plain object for deep equality. */
function countBy<T>(items: T[], key: (item: T) => string | string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) for (const k of [key(item)].flat()) counts[k] = (counts[k] ?? 0) + 1;
  return counts;
}

describe('npm run demo (scripts/demo.ts)', function () {
  // Seeding hashes a dozen passwords with scrypt (in parallel) and plays two months of records, and the two
  // years since document control's oldest SOP became effective: several seconds, more on a busy machine.
  this.timeout(90_000);
  let dir: string;
  let summary: DemoSummary;
  let store: SqliteStore;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-demo-'));
    // An empty environment: the defaults, whatever the machine running the tests has set.
    summary = await seedDemo(dir, { env: {} });
    store = new SqliteStore(join(dir, 'imsflow.db'));
    await store.init();
  });
  after(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates people in every role at both sites, staff reporting to their site quality manager', async () => {
    const users = await store.listUsers({});
    expect(users).to.have.length(13);
    expect(users.every((u) => u.active && u.email.endsWith('@example.com'))).to.equal(true);
    const roleAt = (site: string) => countBy(users.filter((u) => u.sites?.includes(site)), (u) => u.roles);
    const perSite = { 'process-owner': 1, 'quality-manager': 1, auditor: 1, staff: 2, 'steering-committee': 1 };
    expect(roleAt('dublin')).to.deep.equal(perSite);
    expect(roleAt('basel')).to.deep.equal(perSite);
    const admins = users.filter((u) => u.roles.includes('admin'));
    expect(admins.map((u) => u.sites)).to.deep.equal([[]]);
    expect(Object.keys(countBy(users, (u) => u.roles)).sort()).to.deep.equal([...ROLES].sort());

    for (const site of ['dublin', 'basel']) {
      const [qm] = users.filter((u) => u.roles.includes('quality-manager') && u.sites?.includes(site));
      const staff = users.filter((u) => u.roles.includes('staff') && u.sites?.includes(site));
      expect(staff.map((u) => u.managerId)).to.deep.equal([qm.id, qm.id]);
      expect(qm.managerId).to.be.a('string');
    }
  });

  it('every user signs in with the demo password', async () => {
    const accounts = new Accounts(store, systemClock);
    const users = await store.listUsers({});
    const logins = await Promise.all(users.map((u) => accounts.login(u.email, DEMO_PASSWORD, 'demo test')));
    expect(logins.map((l) => l.user.id)).to.deep.equal(users.map((u) => u.id));
    expect(summary.password).to.equal(DEMO_PASSWORD);
  });

  it('deploys the shipped processes and starts nonconformities at each site, at different stages', async () => {
    expect(summary.definitions).to.deep.equal(
      ['audit-programme', 'capa', 'change-request', 'complaint', 'deviation', 'document-control', 'ehs-incident', 'gap-analysis', 'internal-audit', 'management-review', 'nonconformity', 'training-acknowledgement'].map((key) => ({ key, version: 1 })),
    );
    const instances = (await store.listInstances({ limit: 1000 })).filter((i) => i.key === 'nonconformity');
    expect(countBy(instances, (i) => `${i.site} ${i.status}`)).to.deep.equal({ 'dublin running': 4, 'dublin completed': 1, 'basel running': 4 });
    for (const instance of instances) {
      expect(instance.variables).to.have.keys('title', 'description', 'owner');
      const owner = await store.getUser(String(instance.variables.owner));
      expect(owner?.roles).to.include('staff');
      expect(owner?.sites).to.include(instance.site);
    }
    const [closed] = instances.filter((i) => i.status === 'completed');
    expect(closed.output.verify).to.deep.include({ effective: 'yes' });

    const open = (await store.listTasks({ status: 'open', limit: 1000 })).filter((t) => t.definitionKey === 'nonconformity');
    expect(countBy(open, (t) => `${t.site} ${t.name}`)).to.deep.equal({
      'dublin Assess and contain': 2,
      'dublin Take corrective action': 2,
      'basel Assess and contain': 2,
      'basel Take corrective action': 1,
      'basel Verify effectiveness': 1,
    });
    // Tasks were completed by the people who hold them.
    const completed = await store.listTasks({ status: 'completed', limit: 1000 });
    for (const task of completed) {
      const user = (await store.getUser(task.completedBy!))!;
      if (task.assignee) expect(task.completedBy).to.equal(task.assignee);
      else {
        expect(user.roles).to.include(task.candidateRole);
        expect(user.sites).to.include(task.site);
      }
    }
  });

  it('shows every IMS process at a different stage, records linked on both sides, sign-offs signed', async () => {
    const records = await store.listInstances({ limit: 1000 });
    const stage = (key: string) => summary.records.filter((r) => r.process === key).map((r) => `${r.site} ${r.stage}`);
    expect(stage('audit-programme')).to.deep.equal(['dublin completed']);
    expect(stage('internal-audit')).to.deep.equal(['dublin Verify the corrective actions', 'basel waiting (timer)']);
    expect(stage('gap-analysis')).to.deep.equal(['basel Close gap 8.4: Control of externally provided processes, products and services']);
    expect(stage('management-review')).to.deep.equal(['dublin 2 × doAction']);
    expect(stage('deviation')).to.deep.equal(['dublin completed', 'dublin Investigate the deviation', 'basel Classify the deviation']);
    expect(stage('capa')).to.have.length(6);
    expect(stage('complaint')).to.have.members(['basel completed', 'dublin Investigate the complaint, File the report: FDA MDR 30-day report (21 CFR 803.50)']);
    expect(stage('capa')).to.include.members(['dublin Check effectiveness', 'basel completed', 'basel Analyse the root cause']);
    // document control: effective versions wait for their periodic review; SOP-QA-0001's revision 2.0 is in review
    expect(stage('document-control')).to.deep.equal([
      'basel waiting (timer)',
      'dublin waiting (timer)',
      'basel waiting (timer)',
      'dublin Review revision 2.0 of SOP-QA-0001 Cleaning and disinfection of the aseptic filling line',
    ]);
    expect(stage('change-request')).to.deep.equal(['dublin waiting (timer)', 'basel Approve or reject the change']);

    // every thread is on both records: a CAPA raised by an audit finding, a gap and a review action
    const byId = new Map(records.map((r) => [r.id, r]));
    const started = records.flatMap((r) => (r.links ?? []).filter((l) => l.rel === 'started').map((l) => [r, l] as const));
    expect(started.map(([from, link]) => `${from.key} → ${link.processKey}`).sort()).to.deep.equal([
      'audit-programme → internal-audit',
      'audit-programme → internal-audit',
      ...Array<string>(6).fill('document-control → training-acknowledgement'),
      'gap-analysis → capa',
      'internal-audit → capa',
      'internal-audit → capa',
      'management-review → capa',
    ]);
    for (const [from, link] of started) {
      const other = byId.get(link.instanceId)!;
      expect(other.links?.find((l) => l.rel === 'origin')).to.deep.include({ instanceId: from.id, businessKey: from.businessKey, label: link.label });
    }

    // the sign-offs carry electronic signatures that still match their records
    const signatures = await store.listSignatures({});
    const signedBy = countBy(signatures, (sig) => `${byId.get(sig.instanceId)!.key} ${sig.meaning}`);
    expect(signedBy).to.deep.include({
      'audit-programme approved': 1,
      'internal-audit authored': 1,
      'internal-audit reviewed': 1,
      'gap-analysis approved': 1,
      'management-review approved': 1,
      'document-control approved': 3,
      'change-request approved': 1,
    });
    // each checked as the record page checks it: against the record as stored now
    const imsflow = new ProcessEngine({ store });
    for (const instanceId of new Set(signatures.map((sig) => sig.instanceId))) {
      const views = (await imsflow.getInstance(instanceId)).signatures;
      expect(views.map((v) => [v.meaning, v.status]), byId.get(instanceId)!.businessKey).to.deep.equal(views.map((v) => [v.meaning, 'matches']));
    }

    // next year's programme and review are on the calendar, their first occurrences ahead
    const schedules = await store.listSchedules();
    expect(schedules.map((sch) => [sch.id, sch.processKey, sch.site ?? 'all sites']).sort()).to.deep.equal([
      ['audit-programme', 'audit-programme', 'all sites'],
      ['management-review-basel', 'management-review', 'basel'],
      ['management-review-dublin', 'management-review', 'dublin'],
    ]);
    const starts = (await store.listJobs({ status: 'scheduled' })).filter((j) => j.kind === 'scheduled-start');
    expect(starts).to.have.length(3);
    expect(starts.every((j) => j.runAt > new Date().toISOString())).to.equal(true);
  });

  it('leaves one corrective action overdue and escalated on the real clock', async () => {
    const now = new Date().toISOString();
    const overdue = (await store.listTasks({ status: 'open', dueBefore: now })).filter((t) => t.definitionKey === 'nonconformity');
    expect(overdue).to.have.length(1);
    expect(overdue[0]).to.deep.include({ name: 'Take corrective action', site: 'dublin', escalationLevel: 1 });
    expect(overdue[0].notifications?.map((n) => n.kind)).to.deep.equal(['assigned', 'reminder', 'due', 'escalation']);
    // What is still to come (reminders, the second escalation, the 45-day timer) waits for the server.
    const jobs = await store.listJobs({ status: 'scheduled' });
    expect(jobs.filter((j) => j.instanceId === overdue[0].instanceId).map((j) => j.kind).sort()).to.deep.equal(['escalation', 'notify', 'timer']);
    expect(summary.nonconformities.filter((n) => n.overdue).map((n) => n.stage)).to.deep.equal(['Take corrective action']);

    const audit = await store.listAudit({ limit: 100_000 });
    expect(verifyAuditChain(audit).ok).to.equal(true);
    expect(audit.every((e, i) => e.at <= now && (i === 0 || e.at >= audit[i - 1].at))).to.equal(true);
    // Everything that fell due during the demo's history was run then; only the future is left.
    expect(jobs.every((j) => j.runAt > audit[audit.length - 1].at)).to.equal(true);
    expect(await store.listJobs({ status: 'failed' })).to.deep.equal([]);
    expect(summary.taskLink?.url).to.match(/^http:\/\/127\.0\.0\.1:3000\/t\//);
  });

  it('refuses to seed over an existing database; --reset starts over', async () => {
    const before = statSync(join(dir, 'imsflow.db')).mtimeMs;
    const refused = await seedDemo(dir, { env: {} }).catch((err: unknown) => err);
    expect(refused).to.be.instanceOf(DemoRefusedError);
    expect((refused as Error).message).to.include('--reset');
    expect(statSync(join(dir, 'imsflow.db')).mtimeMs).to.equal(before);

    await store.close();
    const again = await seedDemo(dir, { env: {}, reset: true });
    store = new SqliteStore(join(dir, 'imsflow.db'));
    await store.init();
    expect(await store.listUsers({})).to.have.length(13);
    expect(await store.listInstances({ limit: 1000 })).to.have.length(9 + summary.records.length);
    expect(again.records.map((r) => r.businessKey)).to.deep.equal(summary.records.map((r) => r.businessKey));
    expect(again.nonconformities.map((n) => n.businessKey)).to.deep.equal(summary.nonconformities.map((n) => n.businessKey));
  });

  it('prints its links for the configured port and address, not port 3000', async () => {
    expect(report(summary)).to.include('open http://127.0.0.1:3000 :');
    const other = mkdtempSync(join(tmpdir(), 'imsflow-demo-port-'));
    try {
      // As in a container: listening on every address, on port 4123.
      const seeded = await seedDemo(other, { env: { PORT: '4123', IMSFLOW_HOST: '0.0.0.0' } });
      expect(seeded.url).to.equal('http://127.0.0.1:4123');
      expect(seeded.taskLink?.url).to.match(/^http:\/\/127\.0\.0\.1:4123\/t\//);
      const printed = report(seeded);
      expect(printed).to.include('Now run `npm start` and open http://127.0.0.1:4123 :');
      expect(printed).to.include(`    ${seeded.taskLink!.url}\n`);
      expect(printed).to.include("curl -s -b /tmp/imsflow.cookies 'http://127.0.0.1:4123/api/tasks?overdue=true'");
      expect(printed).to.not.include(':3000');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
    // Every address a server can be told to listen on gives a link a browser opens.
    expect(['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost', '10.0.0.5'].map((host) => localUrl(host, 8080))).to.deep.equal([
      'http://127.0.0.1:8080',
      'http://127.0.0.1:8080',
      'http://[::1]:8080',
      'http://[::1]:8080',
      'http://localhost:8080',
      'http://10.0.0.5:8080',
    ]);
  });
});
