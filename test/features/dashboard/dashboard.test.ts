import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../../api/server.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import { FigureProjections, isoWeekOf } from '../../../engine/features/dashboard/index.js';
import { packFigures } from '../../../engine/packs.js';
import { shippedPacks } from '../../../processes/index.js';
import type { InstanceRecord, TaskRecord } from '../../../engine/kernel/model.js';
import { SqliteStore } from '../../../engine/adapters/sqlite/index.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { userWithToken } from '../../support/operator.js';

/**
 * The steering dashboard against a known data set committed straight into the store of a listening
 * server (fake clock): every number of the JSON, the drill-down lists, the CSV, the PDF, the KPIs with
 * their status, the dashboard at a past date, and that people of one site see nothing of another's.
 */

const AT = Date.parse('2026-11-25T12:00:00.000Z'); // a Wednesday, ISO week 2026-W48
const DAY = 86_400_000;
const iso = (days: number) => new Date(AT + days * DAY).toISOString();

interface Fixture {
  id: string;
  instance: string;
  key: 'capa' | 'nonconformity';
  site?: string;
  assignee?: string;
  role?: string;
  created: number;
  due?: number;
  completed?: number;
  cancelled?: number;
  level?: number;
  name?: string;
}

/** Days relative to AT. T* are open now, C* closed. */
const TASKS: Fixture[] = [
  { id: 'T1', instance: 'R1', key: 'capa', site: 'A', assignee: 'alice', role: 'quality-manager', created: -40, due: -35, level: 2 },
  { id: 'T2', instance: 'R1', key: 'capa', site: 'A', role: 'quality-manager', created: -10, due: -3, level: 1, name: '=HYPERLINK("http://evil.example")' },
  { id: 'T3', instance: 'N1', key: 'nonconformity', site: 'B', assignee: 'bob', role: 'staff', created: -120, due: -100 },
  { id: 'T4', instance: 'N2', key: 'nonconformity', site: 'A', assignee: 'alice', created: -5, due: 2 },
  { id: 'T5', instance: 'R2', key: 'capa', site: 'B', role: 'staff', created: -2, due: 10 },
  { id: 'T6', instance: 'R3', key: 'capa', assignee: 'carol', created: -20, due: -10 },
  { id: 'T7', instance: 'N2', key: 'nonconformity', site: 'A', assignee: 'alice', created: -3 },
  { id: 'C1', instance: 'K1', key: 'capa', site: 'A', assignee: 'alice', created: -30, due: -20, completed: -15 },
  { id: 'C2', instance: 'K2', key: 'capa', site: 'A', assignee: 'alice', created: -30, due: -5, completed: -25 },
  { id: 'C3', instance: 'N3', key: 'nonconformity', site: 'B', role: 'staff', created: -60, due: -50, cancelled: -1 },
];

const site = (s: string | undefined) => (s === undefined ? {} : { site: s });

function taskRecord(f: Fixture): TaskRecord {
  const status = f.completed !== undefined ? 'completed' : f.cancelled !== undefined ? 'cancelled' : 'open';
  return {
    id: f.id,
    instanceId: f.instance,
    definitionKey: f.key,
    businessKey: `BK-${f.instance}`,
    ...site(f.site),
    elementId: 'work',
    executionId: `work_${f.id}`,
    name: f.name ?? `Task ${f.id}`,
    ...(f.assignee && { assignee: f.assignee }),
    ...(f.role && { candidateRole: f.role }),
    status,
    createdAt: iso(f.created),
    ...(f.due !== undefined && { dueAt: iso(f.due) }),
    ...(f.completed !== undefined && { completedAt: iso(f.completed), completedBy: f.assignee ?? 'someone' }),
    ...(f.cancelled !== undefined && { cancelledAt: iso(f.cancelled) }),
    ...(f.level && { escalationLevel: f.level }),
    form: [],
    revision: 1,
  };
}

function instanceRecord(id: string, key: string, fields: Partial<InstanceRecord>): InstanceRecord {
  return { id, key, version: 1, businessKey: `BK-${id}`, status: 'running', variables: {}, output: {}, engineState: null, revision: 1, startedAt: iso(-200), startedBy: 'seed', ...fields };
}

const finding = (n: number, clause: string, number: string, title: string, grade: string) => ({ n, clause, number, title, grade, statement: `Finding ${n} against ${number}`, auditor: 'auditor' });
const coverage = (standard: string, applicable: number, assessed: number, conforms: number, partial: number, gap: number, na: number) => ({ standard, applicable, assessed, conforms, partial, gap, na, conformityPct: null });

const INSTANCES: InstanceRecord[] = [
  instanceRecord('R1', 'capa', { site: 'A', startedAt: iso(-41) }),
  instanceRecord('R2', 'capa', { site: 'B', startedAt: iso(-2) }),
  instanceRecord('R3', 'capa', { startedAt: iso(-21) }),
  instanceRecord('N1', 'nonconformity', { site: 'B', startedAt: iso(-121) }),
  instanceRecord('N2', 'nonconformity', { site: 'A', startedAt: iso(-6) }),
  instanceRecord('N3', 'nonconformity', { site: 'B', status: 'cancelled', startedAt: iso(-61), endedAt: iso(-1) }),
  instanceRecord('K1', 'capa', { site: 'A', status: 'completed', startedAt: iso(-50), endedAt: iso(-10) }),
  instanceRecord('K2', 'capa', { site: 'A', status: 'completed', startedAt: iso(-30), endedAt: iso(-20) }),
  instanceRecord('K3', 'capa', { site: 'B', status: 'completed', startedAt: iso(-100), endedAt: iso(-40) }),
  instanceRecord('A1', 'internal-audit', {
    site: 'A',
    startedAt: iso(-60),
    output: { findings: { findings: [finding(1, '9001:8.4', '8.4', 'Control of externally provided processes', 'major'), finding(2, '7.5.3', '7.5.3', 'Control of documented information', 'minor'), finding(3, '7.5.3', '7.5.3', 'Control of documented information', 'observation')] } },
  }),
  instanceRecord('A2', 'internal-audit', { site: 'B', startedAt: iso(-30), output: { findings: { findings: [finding(1, '9001:8.4', '8.4', 'Control of externally provided processes', 'major')] } } }),
  instanceRecord('A3', 'internal-audit', { site: 'A', status: 'cancelled', startedAt: iso(-20), endedAt: iso(-19), output: { findings: { findings: [finding(1, '10.2', '10.2', 'Nonconformity', 'major')] } } }),
  instanceRecord('G1', 'gap-analysis', { site: 'A', status: 'completed', startedAt: iso(-200), endedAt: iso(-150), output: { signOff: { ok: true }, gapReport: { coverage: [coverage('9001', 10, 10, 6, 2, 1, 1), coverage('14001', 5, 5, 5, 0, 0, 0)] } } }),
  instanceRecord('G2', 'gap-analysis', { site: 'A', startedAt: iso(-20), output: { gapReport: { coverage: [coverage('9001', 10, 3, 3, 0, 0, 0)] } } }),
  instanceRecord('G3', 'gap-analysis', { site: 'B', startedAt: iso(-50), output: { gapReport: { coverage: [coverage('9001', 8, 6, 4, 0, 2, 0)] } } }),
];

// ---- a reference of the definitions, computed straight from the fixture --------------------------

const closedAt = (f: Fixture) => (f.completed ?? f.cancelled) as number | undefined;
const openAt = (f: Fixture, t: number) => f.created <= t && (closedAt(f) === undefined || closedAt(f)! > t);
const overdueAt = (f: Fixture, t: number) => openAt(f, t) && f.due !== undefined && f.due < t;
const visible = (sites: string[] | undefined) => (f: Fixture) => sites === undefined || f.site === undefined || sites.includes(f.site);

function referenceTrends(from: string, end: number, tasks: Fixture[]) {
  const first = Date.parse(`${from}T00:00:00Z`);
  const monday = first - ((new Date(first).getUTCDay() + 6) % 7) * DAY;
  const weeks: { week: string; start: string; opened: number; closed: number; overdue: number }[] = [];
  for (let s = monday; s < AT + end * DAY; s += 7 * DAY) {
    const lo = (s - AT) / DAY;
    const hi = Math.min((s + 7 * DAY - AT) / DAY, end);
    weeks.push({
      week: isoWeekOf(new Date(s)),
      start: new Date(s).toISOString().slice(0, 10),
      opened: tasks.filter((f) => f.created >= lo && f.created < hi).length,
      closed: tasks.filter((f) => f.completed !== undefined && f.completed >= lo && f.completed < hi).length,
      overdue: tasks.filter((f) => overdueAt(f, hi)).length,
    });
  }
  return weeks;
}

// ---- HTTP ----------------------------------------------------------------------------------------

describe('steering dashboard (listening server, known data set, fake clock)', function () {
  let server: RunningServer;
  let dir: string;
  let clock: FakeClock;
  const tokens: Record<string, string> = {};

  const get = async (path: string, as = 'steer') => {
    const response = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${tokens[as]}` } });
    const buffer = Buffer.from(await response.arrayBuffer());
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, type, headers: response.headers, buffer, text: buffer.toString('utf8'), json: type.includes('json') ? JSON.parse(buffer.toString('utf8')) : undefined };
  };
  const send = async (method: string, path: string, body: unknown, as = 'steer') => {
    const response = await fetch(`${server.url}${path}`, { method, headers: { authorization: `Bearer ${tokens[as]}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, json: (await response.json()) as any };
  };
  const ids = (reply: { json: { items: { taskId?: string; businessKey?: string }[] } }) => reply.json.items.map((i) => i.taskId ?? i.businessKey);

  before(async function () {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-dashboard-'));
    clock = new FakeClock(new Date(AT));
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_DIGEST: 'off' }), { clock, logger: pino({ level: 'silent' }) });
    tokens.steer = await userWithToken(server, { id: 'steer', name: 'Stella Steer', roles: ['steering-committee'], sites: ['A', 'B'] });
    tokens.steerA = await userWithToken(server, { id: 'steer-a', roles: ['steering-committee'], sites: ['A'] });
    tokens.qm = await userWithToken(server, { id: 'qm', name: 'Quinn Manager', roles: ['quality-manager'], sites: ['A', 'B'] });
    tokens.staff = await userWithToken(server, { id: 'staffer', roles: ['staff'], sites: ['A'] });
    tokens.safety = await userWithToken(server, { id: 'safety-lead', name: 'Sam Safety', roles: ['staff'], sites: ['A', 'B'] });
    for (const [id, name] of [['alice', 'Alice Archer'], ['bob', 'Bob Baker'], ['carol', 'Carol Cole']]) await server.imsflow.saveUser({ id, email: `${id}@example.com`, name, roles: ['staff'], sites: ['A', 'B'] }, 'test-setup');
    await server.imsflow.store.commit({ linkedInstances: INSTANCES, tasks: TASKS.map((f) => ({ record: taskRecord(f), expectedRevision: null })), audit: [] });
  });

  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts open, due-soon, overdue and escalated work by process, site, owner and role', async () => {
    const reply = await get('/api/dashboard');
    expect(reply.status).to.equal(200);
    const d = reply.json;
    expect(d.asOf).to.equal(iso(0));
    expect(d.filters).to.deep.equal({ site: [], process: [], from: '2025-11-26', to: '2026-11-25' });
    expect(d.totals).to.deep.equal({
      open: 7,
      dueSoon: 1,
      overdue: 4,
      escalated: 2,
      drill: { open: 'figure=open', dueSoon: 'figure=dueSoon', overdue: 'figure=overdue', escalated: 'figure=escalated' },
    });
    const strip = (rows: Record<string, unknown>[]) => rows.map(({ drill: _drill, ...rest }) => rest);
    expect(strip(d.byProcess)).to.deep.equal([
      { key: 'capa', name: 'Corrective and preventive action (CAPA)', open: 4, dueSoon: 0, overdue: 3 },
      { key: 'nonconformity', name: 'Nonconformity', open: 3, dueSoon: 1, overdue: 1 },
    ]);
    expect(d.byProcess[0].drill).to.deep.equal({ open: 'figure=open&byProcess=capa', dueSoon: 'figure=dueSoon&byProcess=capa', overdue: 'figure=overdue&byProcess=capa' });
    expect(strip(d.bySite)).to.deep.equal([
      { site: 'A', open: 4, dueSoon: 1, overdue: 2 },
      { site: 'B', open: 2, dueSoon: 0, overdue: 1 },
      { site: null, open: 1, dueSoon: 0, overdue: 1 },
    ]);
    expect(strip(d.byOwner)).to.deep.equal([
      { user: 'alice', name: 'Alice Archer', open: 3, dueSoon: 1, overdue: 1 },
      { user: null, name: 'Unassigned (held by a role)', open: 2, dueSoon: 0, overdue: 1 },
      { user: 'bob', name: 'Bob Baker', open: 1, dueSoon: 0, overdue: 1 },
      { user: 'carol', name: 'Carol Cole', open: 1, dueSoon: 0, overdue: 1 },
    ]);
    expect(strip(d.byRole)).to.deep.equal([
      { role: 'quality-manager', open: 2, dueSoon: 0, overdue: 2 },
      { role: null, open: 3, dueSoon: 1, overdue: 1 },
      { role: 'staff', open: 2, dueSoon: 0, overdue: 1 },
    ]);
    expect(d.aging).to.deep.equal([
      { bucket: '1-7', count: 1, drill: 'figure=aging&bucket=1-7' },
      { bucket: '8-30', count: 1, drill: 'figure=aging&bucket=8-30' },
      { bucket: '31-90', count: 1, drill: 'figure=aging&bucket=31-90' },
      { bucket: '>90', count: 1, drill: 'figure=aging&bucket=%3E90' },
    ]);
    expect(d.escalations).to.deep.equal([
      { level: 1, count: 1, drill: 'figure=escalation&level=1' },
      { level: 2, count: 1, drill: 'figure=escalation&level=2' },
    ]);
  });

  it('trends opened, completed and overdue work by ISO week over the last 12 months', async () => {
    const { trends } = (await get('/api/dashboard')).json;
    const weeks = trends.map(({ drill: _drill, ...rest }: Record<string, unknown>) => rest);
    expect(weeks).to.deep.equal(referenceTrends('2025-11-26', 0, TASKS));
    expect(weeks).to.have.length(53);
    expect(weeks[0]).to.include({ week: '2025-W48', start: '2025-11-24' });
    // checked by hand, so the reference is checked too
    expect(weeks.at(-1)).to.deep.equal({ week: '2026-W48', start: '2026-11-23', opened: 1, closed: 0, overdue: 4 });
    expect(weeks.at(-2)).to.deep.equal({ week: '2026-W47', start: '2026-11-16', opened: 2, closed: 0, overdue: 5 });
    expect(weeks.at(-3)).to.deep.equal({ week: '2026-W46', start: '2026-11-09', opened: 1, closed: 1, overdue: 4 });
    expect(trends.at(-2).drill).to.deep.equal({ opened: 'figure=opened&week=2026-W47', closed: 'figure=closed&week=2026-W47', overdue: 'figure=overdueAtWeekEnd&week=2026-W47' });
    const overdueW47 = await get(`/api/dashboard/records?${trends.at(-2).drill.overdue}`);
    expect(ids(overdueW47)).to.deep.equal(['T3', 'C3', 'T1', 'T6', 'T2']);
    expect(ids(await get(`/api/dashboard/records?${trends.at(-3).drill.closed}`))).to.deep.equal(['C1']);
  });

  it('CAPA cycle time and on-time closure, findings by clause and grade, gap coverage by standard', async () => {
    const d = (await get('/api/dashboard')).json;
    // K1 40 days (a task completed late), K2 10 days, K3 60 days
    expect(d.capa).to.deep.equal({ closed: 3, onTime: 2, onTimeRate: 66.7, cycleTimeDays: { median: 40, p90: 60, mean: 36.7 }, drill: { closed: 'figure=capaClosed', late: 'figure=capaLate' } });
    expect(d.findings.map(({ drill: _d, ...rest }: Record<string, unknown>) => rest)).to.deep.equal([
      { clause: '7.5.3', number: '7.5.3', title: 'Control of documented information', grade: 'minor', count: 1 },
      { clause: '7.5.3', number: '7.5.3', title: 'Control of documented information', grade: 'observation', count: 1 },
      { clause: '9001:8.4', number: '8.4', title: 'Control of externally provided processes', grade: 'major', count: 2 },
    ]);
    // site A: G1 (signed off) rather than the newer unsigned G2; site B: G3
    expect(d.gapCoverage).to.deep.equal([
      { standard: '14001', clauses: 5, assessed: 5, conforms: 5, partial: 0, gap: 0, notApplicable: 0, coverage: 100, records: 1, drill: 'figure=gap&standard=14001' },
      { standard: '9001', clauses: 18, assessed: 16, conforms: 10, partial: 2, gap: 3, notApplicable: 1, coverage: 64.7, records: 2, drill: 'figure=gap&standard=9001' },
    ]);
    const late = await get(`/api/dashboard/records?${d.capa.drill.late}`);
    expect(late.json.items.map((i: Record<string, unknown>) => [i.businessKey, i.cycleTimeDays, i.lateTasks, i.onTime])).to.deep.equal([['BK-K1', 40, 1, false]]);
    expect(ids(await get(`/api/dashboard/records?${d.capa.drill.closed}`))).to.deep.equal(['BK-K3', 'BK-K2', 'BK-K1']);
    const majors = await get(`/api/dashboard/records?${d.findings[2].drill}`);
    expect(majors.json.items.map((i: Record<string, unknown>) => [i.businessKey, i.finding, i.clause, i.grade])).to.deep.equal([
      ['BK-A1', 1, '8.4', 'major'],
      ['BK-A2', 1, '8.4', 'major'],
    ]);
    const gap = await get(`/api/dashboard/records?${d.gapCoverage[1].drill}`);
    expect(gap.json.items.map((i: Record<string, unknown>) => [i.businessKey, i.signedOff, i.clauses, i.coverage])).to.deep.equal([
      ['BK-G1', true, 10, 77.8],
      ['BK-G3', false, 8, 50],
    ]);
  });

  it('drills every task figure down to its records, oldest due first, with links', async () => {
    const d = (await get('/api/dashboard')).json;
    const list = async (drill: string) => ids(await get(`/api/dashboard/records?${drill}`));
    expect(await list(d.totals.drill.open)).to.deep.equal(['T3', 'T1', 'T6', 'T2', 'T4', 'T5', 'T7']);
    expect(await list(d.totals.drill.overdue)).to.deep.equal(['T3', 'T1', 'T6', 'T2']);
    expect(await list(d.totals.drill.dueSoon)).to.deep.equal(['T4']);
    expect(await list(d.totals.drill.escalated)).to.deep.equal(['T1', 'T2']);
    expect(await list(d.byProcess[0].drill.overdue)).to.deep.equal(['T1', 'T6', 'T2']);
    expect(await list(d.bySite[2].drill.open)).to.deep.equal(['T6']);
    expect(await list(d.byOwner[1].drill.open)).to.deep.equal(['T2', 'T5']);
    expect(await list(d.byOwner[0].drill.dueSoon)).to.deep.equal(['T4']);
    expect(await list(d.byRole[1].drill.dueSoon)).to.deep.equal(['T4']);
    expect(await Promise.all(d.aging.map((a: { drill: string }) => list(a.drill)))).to.deep.equal([['T2'], ['T6'], ['T1'], ['T3']]);
    expect(await Promise.all(d.escalations.map((e: { drill: string }) => list(e.drill)))).to.deep.equal([['T2'], ['T1']]);
    const overdue = (await get('/api/dashboard/records?figure=overdue')).json;
    expect(overdue.title).to.equal('Overdue tasks');
    expect(overdue.columns.map((c: { key: string }) => c.key)).to.include.members(['businessKey', 'task', 'dueAt', 'daysOverdue', 'escalationLevel']);
    expect(overdue.items.map((i: { daysOverdue: number }) => i.daysOverdue)).to.deep.equal([100, 35, 10, 3]);
    expect(overdue.items[1]).to.include({ taskId: 'T1', businessKey: 'BK-R1', process: 'Corrective and preventive action (CAPA)', site: 'A', assignee: 'alice', role: 'quality-manager', escalationLevel: 2, link: '/tasks/T1', recordLink: '/records/R1' });
    const bad = await get('/api/dashboard/records?figure=aging&bucket=2-5');
    expect(bad.status).to.equal(400);
    expect(bad.json.fields[0].field).to.equal('bucket');
    expect((await get('/api/dashboard/records?figure=nonsense')).json.fields[0].field).to.equal('figure');
  });

  it('exports any list as CSV (RFC 4180, BOM, formula-safe)', async () => {
    const csv = await get('/api/dashboard/records.csv?figure=overdue');
    expect(csv.status).to.equal(200);
    expect(csv.type).to.match(/^text\/csv; charset=utf-8/);
    expect(csv.headers.get('content-disposition')).to.match(/^attachment; filename="?overdue-2026-11-25\.csv"?$/);
    const lines = csv.text.replace(/^\ufeff/, '').split('\r\n');
    expect(lines[0]).to.equal('"Record","Process","Task","Site","Owner","Role","Opened","Due","Days overdue","Escalation level","Completed"');
    expect(lines).to.have.length(6); // header, 4 rows, the empty string after the last CRLF
    expect(lines[1]).to.equal(`"BK-N1","Nonconformity","Task T3","B","bob","staff","${iso(-120)}","${iso(-100)}","100","0",""`);
    // a task name that looks like a formula is neutralised; quotes are doubled
    expect(lines[4]).to.contain(`"'=HYPERLINK(""http://evil.example"")"`);
  });

  it('renders the steering committee report as a PDF holding the figures and the overdue list', async () => {
    const pdf = await get('/api/dashboard/report.pdf');
    expect(pdf.status).to.equal(200);
    expect(pdf.type).to.equal('application/pdf');
    expect(pdf.buffer.subarray(0, 5).toString('latin1')).to.equal('%PDF-');
    expect(pdf.buffer.subarray(-6).toString('latin1')).to.match(/%%EOF/);
    const text = pdfText(pdf.buffer);
    expect(text).to.contain('Steering committee report');
    expect(text).to.contain('Overdue list (4)');
    for (const key of ['BK-N1', 'BK-R1', 'BK-R3']) expect(text).to.contain(key);
    expect(text).to.contain('Aging of overdue work');
  });

  it('shows the dashboard as it stood at a past date', async () => {
    const at = -16;
    const d = (await get(`/api/dashboard?at=${encodeURIComponent(iso(at))}`)).json;
    const open = TASKS.filter((f) => openAt(f, at));
    const overdue = TASKS.filter((f) => overdueAt(f, at));
    // at −16: T1, T3, T6, C1, C3 open; T1 (19 d), T3 (84 d), C1 (4 d), C3 (34 d) overdue; T6 due in 6 days
    expect(open.map((f) => f.id)).to.deep.equal(['T1', 'T3', 'T6', 'C1', 'C3']);
    expect(d.totals).to.include({ open: 5, overdue: overdue.length, dueSoon: 1 });
    expect(overdue.length).to.equal(4);
    expect(d.aging.map((a: { count: number }) => a.count)).to.deep.equal([1, 1, 2, 0]);
    expect(d.filters).to.deep.equal({ site: [], process: [], from: '2025-11-10', to: '2026-11-09', at: iso(at) });
    expect(d.trends.map(({ drill: _d, ...rest }: Record<string, unknown>) => rest)).to.deep.equal(referenceTrends('2025-11-10', at, TASKS));
    // CAPAs closed by then: K3 and K2 (K1 closed later)
    expect(d.capa).to.include({ closed: 2, onTime: 2, onTimeRate: 100 });
    expect(ids(await get(`/api/dashboard/records?figure=overdue&at=${encodeURIComponent(iso(at))}`))).to.deep.equal(['T3', 'C3', 'T1', 'C1']);
    expect((await get(`/api/dashboard?at=${encodeURIComponent(iso(1))}`)).json.fields[0].field).to.equal('at');
  });

  it('filters by process and date range', async () => {
    const d = (await get('/api/dashboard?process=nonconformity&from=2026-10-01&to=2026-11-25')).json;
    expect(d.totals).to.include({ open: 3, overdue: 1, dueSoon: 1 });
    expect(d.byProcess.map((p: { key: string }) => p.key)).to.deep.equal(['nonconformity']);
    expect(d.trends[0]).to.include({ week: '2026-W40', start: '2026-09-28' });
    expect(d.capa.closed).to.equal(0);
    expect(d.findings).to.deep.equal([]);
    expect(d.gapCoverage).to.deep.equal([]);
    const both = (await get('/api/dashboard?process=capa,nonconformity')).json;
    expect(both.totals.open).to.equal(7);
    const period = (await get('/api/dashboard?from=2026-11-01')).json;
    expect(period.capa).to.include({ closed: 2, onTime: 1 });
    expect(period.findings).to.deep.equal([]);
    const october = (await get('/api/dashboard?from=2026-10-01')).json;
    expect(october.capa).to.include({ closed: 3, onTime: 2 });
    expect(october.findings.map((f: { clause: string; grade: string; count: number }) => [f.clause, f.grade, f.count])).to.deep.equal([['9001:8.4', 'major', 1]]);
    expect((await get('/api/dashboard?from=2026-12-01&to=2026-11-01')).json.fields[0].field).to.equal('from');
  });

  it('limits a person of one site to that site\'s figures (and records without a site)', async () => {
    const d = (await get('/api/dashboard', 'steerA')).json;
    const mine = TASKS.filter(visible(['A']));
    expect(d.totals).to.include({ open: mine.filter((f) => openAt(f, 0)).length, overdue: mine.filter((f) => overdueAt(f, 0)).length });
    expect(d.totals).to.include({ open: 5, overdue: 3, dueSoon: 1, escalated: 2 });
    expect(d.bySite.map((s: { site: string | null }) => s.site)).to.deep.equal(['A', null]);
    expect(d.byOwner.map((o: { user: string | null }) => o.user)).to.not.include('bob');
    expect(d.capa).to.include({ closed: 2 });
    expect(d.findings.map((f: { count: number }) => f.count)).to.deep.equal([1, 1, 1]);
    expect(d.gapCoverage.map((g: { standard: string; records: number }) => [g.standard, g.records])).to.deep.equal([
      ['14001', 1],
      ['9001', 1],
    ]);
    expect(d.trends.map(({ drill: _d, ...rest }: Record<string, unknown>) => rest)).to.deep.equal(referenceTrends('2025-11-26', 0, mine));
    expect(ids(await get('/api/dashboard/records?figure=overdue', 'steerA'))).to.deep.equal(['T1', 'T6', 'T2']);
    expect(ids(await get('/api/dashboard/records?figure=open&byOwner=bob', 'steerA'))).to.deep.equal([]);
    expect(ids(await get('/api/dashboard/records?figure=open&bySite=B', 'steerA'))).to.deep.equal([]);
    const other = await get('/api/dashboard?site=B', 'steerA');
    expect(other.status).to.equal(403);
    expect(other.json.error).to.match(/site B/);
    expect((await get('/api/dashboard/records.csv?figure=open&site=B', 'steerA')).status).to.equal(403);
    expect((await get('/api/dashboard/report.pdf?site=B', 'steerA')).status).to.equal(403);
    // an explicit site leaves out records without a site
    const onlyA = (await get('/api/dashboard?site=A', 'steer')).json;
    expect(onlyA.totals).to.include({ open: 4, overdue: 2 });
    expect((await get('/api/dashboard', 'staff')).status).to.equal(403);
  });

  it('keeps KPIs with target, owner, trend and status; every change is audited with a reason', async () => {
    const define = (id: string, body: Record<string, unknown>, as = 'qm') => send('PUT', `/api/kpis/${id}`, body, as);
    expect((await define('capa-on-time', { system: 'quality', name: 'CAPAs closed on time', unit: '%', target: 80, direction: 'up', owner: 'qm', source: 'computed', measure: 'capa-on-time-rate' })).status).to.equal(200);
    expect((await define('overdue', { system: 'quality', name: 'Overdue tasks', unit: 'tasks', target: 3, direction: 'down', owner: 'qm', source: 'computed', measure: 'overdue-count' })).status).to.equal(200);
    expect((await define('ltis', { system: 'safety', name: 'Lost-time injuries', unit: 'LTIs', target: 0, direction: 'down', owner: 'safety-lead', source: 'manual' })).status).to.equal(200);
    expect((await define('energy', { system: 'environment', name: 'Energy per unit', unit: 'kWh', target: 12, direction: 'down', owner: 'qm', source: 'manual', site: 'B' })).status).to.equal(200);
    const noMeasure = await define('broken', { system: 'quality', name: 'x', target: 1, direction: 'up', owner: 'qm', source: 'computed' });
    expect(noMeasure.status).to.equal(400);
    expect(noMeasure.json.fields[0].field).to.equal('measure');
    expect((await define('broken', { system: 'quality', name: 'x', target: 1, direction: 'up', owner: 'nobody', source: 'manual' })).json.fields[0].field).to.equal('owner');
    expect((await define('steer-kpi', { system: 'quality', name: 'x', target: 1, direction: 'up', owner: 'qm', source: 'manual' }, 'staff')).status).to.equal(403);

    // the owner enters values; someone else who is not a KPI editor may not
    expect((await send('POST', '/api/kpis/ltis/values', { period: '2026-09', value: 1 }, 'safety')).status).to.equal(201);
    expect((await send('POST', '/api/kpis/ltis/values', { period: '2026-10', value: 2 }, 'safety')).status).to.equal(201);
    const again = await send('POST', '/api/kpis/ltis/values', { period: '2026-10', value: 0 }, 'safety');
    expect(again.status).to.equal(400);
    expect(again.json.fields[0].field).to.equal('reason');
    expect((await send('POST', '/api/kpis/ltis/values', { period: '2026-10', value: 0, reason: 'the October injury was reclassified as first aid' }, 'safety')).status).to.equal(201);
    expect((await send('POST', '/api/kpis/ltis/values', { period: '2026-13', value: 0 }, 'safety')).json.fields[0].field).to.equal('period');
    expect((await send('POST', '/api/kpis/overdue/values', { period: '2026-10', value: 0 }, 'qm')).json.fields[0].field).to.equal('value');
    expect((await send('POST', '/api/kpis/energy/values', { period: '2026-Q3', value: 11 }, 'staff')).status).to.equal(404);
    const changed = await define('ltis', { system: 'safety', name: 'Lost-time injuries', unit: 'LTIs', target: 1, direction: 'down', owner: 'safety-lead', source: 'manual' });
    expect(changed.status).to.equal(400);
    expect((await define('ltis', { system: 'safety', name: 'Lost-time injuries', unit: 'LTIs', target: 0, direction: 'down', owner: 'safety-lead', source: 'manual', reason: 'target confirmed by the board' })).status).to.equal(200);

    const audit = (await server.imsflow.store.listAudit({ target: 'kpi:ltis' })).map((e) => [e.actor, e.action, e.old, e.new, e.reason]);
    expect(audit).to.deep.equal([
      ['qm', 'kpi.defined', undefined, { id: 'ltis', system: 'safety', name: 'Lost-time injuries', unit: 'LTIs', target: 0, direction: 'down', owner: 'safety-lead', source: 'manual' }, undefined],
      ['safety-lead', 'kpi.value-entered', undefined, { period: '2026-09', value: 1 }, undefined],
      ['safety-lead', 'kpi.value-entered', undefined, { period: '2026-10', value: 2 }, undefined],
      ['safety-lead', 'kpi.value-changed', { period: '2026-10', value: 2 }, { period: '2026-10', value: 0 }, 'the October injury was reclassified as first aid'],
      [
        'qm',
        'kpi.changed',
        { id: 'ltis', system: 'safety', name: 'Lost-time injuries', unit: 'LTIs', target: 0, direction: 'down', owner: 'safety-lead', source: 'manual' },
        { id: 'ltis', system: 'safety', name: 'Lost-time injuries', unit: 'LTIs', target: 0, direction: 'down', owner: 'safety-lead', source: 'manual' },
        'target confirmed by the board',
      ],
    ]);

    const kpis = (await get('/api/dashboard')).json.kpis;
    const view = (id: string) => kpis.find((k: { id: string }) => k.id === id);
    // October: K3 (on time) → 100; November: K2 on time, K1 late → 50
    expect(view('capa-on-time')).to.deep.include({ latest: { period: '2026-11', value: 50 }, status: 'off-target', trend: [{ period: '2026-10', value: 100 }, { period: '2026-11', value: 50 }], ownerName: 'Quinn Manager' });
    const overdueTrend = view('overdue').trend;
    expect(overdueTrend).to.have.length(13);
    expect(overdueTrend.at(-1)).to.deep.equal({ period: '2026-11', value: 4 });
    expect(overdueTrend.at(-2)).to.deep.equal({ period: '2026-10', value: TASKS.filter((f) => overdueAt(f, (Date.parse('2026-11-01T00:00:00Z') - AT) / DAY)).length });
    expect(view('overdue').status).to.equal('off-target');
    expect(view('ltis')).to.deep.include({ system: 'safety', latest: { period: '2026-10', value: 0 }, status: 'on-target', trend: [{ period: '2026-09', value: 1 }, { period: '2026-10', value: 0 }] });
    expect(view('energy')).to.deep.include({ site: 'B', latest: null, status: 'no-data', trend: [] });
    // a site's KPI is not shown to people of another site
    const mineA = (await get('/api/dashboard', 'steerA')).json.kpis.map((k: { id: string }) => k.id);
    expect(mineA).to.include('ltis').and.not.include('energy');
    expect((await get('/api/kpis', 'steerA')).json.items.map((k: { id: string }) => k.id)).to.not.include('energy');
    const listed = (await get('/api/kpis')).json.items.find((k: { id: string }) => k.id === 'ltis');
    expect(listed.values.map((v: { period: string; value: number }) => [v.period, v.value])).to.deep.equal([
      ['2026-09', 1],
      ['2026-10', 0],
    ]);
  });
});

/** The text drawn in an uncompressed PDF: pdfkit writes each string as hex glyph codes (WinAnsi for the standard fonts). */
function pdfText(pdf: Buffer): string {
  const source = pdf.toString('latin1');
  const parts: string[] = [];
  for (const match of source.matchAll(/\[((?:<[0-9a-fA-F]*>\s*(?:-?[\d.]+\s*)?)+)\]\s*TJ/g)) {
    parts.push([...match[1].matchAll(/<([0-9a-fA-F]*)>/g)].map((m) => Buffer.from(m[1], 'hex').toString('latin1')).join(''));
  }
  return parts.join('\n');
}

describe('SQLite migration 7 (dashboard columns)', function () {
  it('backfills the new task and record columns from stored records and the audit trail', async () => {
    const store = new SqliteStore(':memory:');
    store.migrate(6);
    const raw = (t: TaskRecord) =>
      store.unsafeExecForTests(
        'INSERT INTO tasks (id, instance_id, status, assignee, candidate_role, due_at, created_at, revision, site, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        t.id, t.instanceId, t.status, t.assignee ?? null, t.candidateRole ?? null, t.dueAt ?? null, t.createdAt, t.revision, t.site ?? null, JSON.stringify(t),
      );
    const { cancelledAt: _c, ...c3 } = taskRecord(TASKS.find((f) => f.id === 'C3')!);
    for (const f of TASKS.filter((x) => x.id !== 'C3')) raw(taskRecord(f));
    raw(c3); // cancelled before cancelledAt was kept: its time comes from the audit event
    store.unsafeExecForTests(`INSERT INTO audit (seq, at, actor, action, target, instance_id, hash, doc) VALUES (1, ?, 'system', 'task.cancelled', 'task:C3', 'N3', 'h', '{}')`, iso(-1));
    const k1 = INSTANCES.find((i) => i.id === 'K1')!;
    store.unsafeExecForTests('INSERT INTO instances (id, key, business_key, status, revision, started_at, site, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', k1.id, k1.key, k1.businessKey, k1.status, 1, k1.startedAt, k1.site, JSON.stringify(k1));
    expect(store.migrate(7)).to.equal(1);
    await store.init();
    const holders = await store.openTaskGroups({ at: iso(0), dueEdges: [iso(0)], by: 'holders' });
    const sum = (dimension: 'escalationLevel' | 'definitionKey', count: (g: (typeof holders)[number]) => number) => {
      const totals: Record<string, number> = {};
      for (const g of holders) totals[String(g.values[dimension])] = (totals[String(g.values[dimension])] ?? 0) + count(g);
      return totals;
    };
    expect(sum('escalationLevel', (g) => g.noDue + g.bands[0] + g.bands[1])).to.deep.equal({ 0: 5, 1: 1, 2: 1 });
    expect(sum('definitionKey', (g) => g.bands[0])).to.deep.equal({ capa: 3, nonconformity: 1 });
    // C3 was overdue until its cancellation (−1), C1 until its completion (−15)
    expect((await store.searchTasks({ overdueAt: iso(-2) })).map((t) => t.id)).to.deep.equal(['T3', 'C3', 'T1', 'T6', 'T2']);
    expect((await store.searchTasks({ overdueAt: iso(-16) })).map((t) => t.id)).to.deep.equal(['T3', 'C3', 'T1', 'C1']);
    // the CAPA figure's facts, built from the migrated records at start (the backfill), read with their late tasks
    expect(await new FigureProjections(packFigures(shippedPacks)).ensureFigureFacts(store)).to.equal(true);
    expect((await store.listFacts({ figure: 'capa-closed', endedFrom: iso(-30), endedBefore: iso(0), order: 'ended', lateTasks: true })).map((c) => [c.instanceId, c.lateTasks])).to.deep.equal([['K1', 1]]);
    await store.close();
  });
});
