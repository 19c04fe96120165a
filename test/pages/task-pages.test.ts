import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SESSION_COOKIE } from '../../api/auth.js';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import { onMessageProblem, type MessageProblem } from '../../engine/kernel/i18n/index.js';
import type { TaskRecord } from '../../engine/kernel/model.js';
import { callWithToken, http } from '../support/http.js';
import { signInOperator } from '../support/operator.js';

/**
 * The task pages as a plant's people read them, over HTTP: two CAPAs at the same step told apart by what
 * they are about, an overdue task marked so, the step name first and the record's title next, the due
 * filter on the reader's own week, the read-and-understood task pointing at the version to read; and every
 * page (list, task, email link, a refused link) in German and French with no message missing, no raw
 * template, ISO timestamp, JSON or user id in its text.
 */

const PASSWORD = 'a long enough passphrase for tests';

/** What a person reads of some HTML: the text without tags, entities decoded, white space collapsed. */
function textOf(html: string): string {
  return html
    .replace(/<[^<>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[\u202f\u00a0]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** What a person reads of a page's <main>. */
const mainText = (html: string) => textOf(html.slice(html.indexOf('<main'), html.indexOf('</main>')));

/** Nothing a person should never read: a raw template, an ISO timestamp, JSON, a user id. */
function expectWords(html: string, ids: string[], where: string): void {
  const text = mainText(html);
  expect(text, `${where}: a raw template`).to.not.include('${');
  expect(text, `${where}: an ISO timestamp`).to.not.match(/\d{4}-\d\d-\d\dT\d\d:/);
  expect(text, `${where}: JSON`).to.not.include('{"');
  expect(text, `${where}: UTC`).to.not.match(/\bUTC\b/);
  for (const id of ids) expect(text, `${where}: the user id ${id}`).to.not.match(new RegExp(`\\b${id}\\b`));
}

describe('task pages: records by their titles, the reader’s week, language and clock', function () {
  this.timeout(60_000);
  let dir: string;
  let server: RunningServer;
  let clock: FakeClock;
  const problems: MessageProblem[] = [];
  let restore: () => void;
  const api = (path: string) => `${server.url}/api${path}`;
  const USER_IDS = ['qm-anna', 'qm-jonas', 'qm-lea', 'st-tom'];

  before(async () => {
    restore = onMessageProblem((problem) => problems.push(problem));
    dir = mkdtempSync(join(tmpdir(), 'imsflow-task-pages-'));
    // Monday 4 May 2026, 21:30 UTC: already Tuesday in Auckland, still Monday in Zurich
    clock = new FakeClock('2026-05-04T21:30:00Z');
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_SITES: 'basel=de-CH Europe/Zurich' }), { clock, logger: pino({ level: 'silent' }) });
    await signInOperator(server);
    const users = [
      { id: 'qm-anna', name: 'Anna Brennan', roles: ['quality-manager'], sites: ['basel'], locale: 'en-IE', timeZone: 'Europe/Dublin' },
      { id: 'qm-jonas', name: 'Jonas Keller', roles: ['quality-manager'], sites: ['basel'] },
      { id: 'qm-lea', name: 'Léa Martin', roles: ['quality-manager'], sites: ['basel'], locale: 'fr-FR', timeZone: 'Europe/Paris' },
      { id: 'st-tom', name: 'Tom Staff', roles: ['staff'], sites: ['basel'], locale: 'en-NZ', timeZone: 'Pacific/Auckland' },
    ];
    for (const user of users) {
      await server.imsflow.saveUser({ ...user, email: `${user.id}@example.com` }, 'test-setup');
      await server.accounts.setPassword(user.id, PASSWORD, 'test-setup', 'task page tests');
    }
  });
  after(async () => {
    restore?.();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    problems.length = 0;
  });

  const cookieOf = async (email: string) => ({ cookie: `${SESSION_COOKIE}=${(await server.accounts.login(email, PASSWORD, 'test')).token}` });
  const page = async (path: string, as: string) => http('GET', `${server.url}${path}`, undefined, await cookieOf(`${as}@example.com`));

  async function capa(title: string): Promise<{ id: string; businessKey: string; task: TaskRecord }> {
    // a CAPA is opened by a quality manager (its starters), not by the operator
    const { token } = await server.accounts.createApiToken('qm-jonas', 'opens CAPAs', 'test-setup', 'integration');
    const started = await callWithToken(server.url, token, 'POST', '/api/processes/capa/instances', { variables: { source: 'complaint', title, description: `${title}: found at the goods-in inspection.` }, site: 'basel' });
    expect(started.status, started.text).to.equal(201);
    const [task] = (await http('GET', api(`/tasks?instance=${started.json.id}&status=open`))).json.items as TaskRecord[];
    return { id: started.json.id, businessKey: started.json.businessKey, task };
  }

  let valve: Awaited<ReturnType<typeof capa>>;
  let pump: Awaited<ReturnType<typeof capa>>;

  it('tells two CAPAs at the same step apart by what they are about, names the step first, the record next', async () => {
    valve = await capa('Leaking valve on line 3');
    pump = await capa('Pump seal worn <early>');
    expect(valve.task.name).to.equal(pump.task.name);
    const list = await page('/tasks', 'qm-anna');
    expect(list.status).to.equal(200);
    const card = (id: string) => textOf(list.text.slice(list.text.indexOf(`id="task-${id}"`), list.text.indexOf('</li>', list.text.indexOf(`id="task-${id}"`) + 1) + 5));
    expect(card(valve.task.id)).to.include(`${valve.businessKey} · Leaking valve on line 3`);
    expect(card(pump.task.id)).to.include(`${pump.businessKey} · Pump seal worn <early>`);
    expect(card(valve.task.id)).to.include('Corrective and preventive action (CAPA)');
    expect(mainText(list.text)).to.include('2 tasks shown.');
    expect(mainText(list.text)).to.include('My roles’ tasks (2)');
    expectWords(list.text, USER_IDS, 'task list');

    const task = await page(`/tasks/${valve.task.id}`, 'qm-anna');
    expect(task.text).to.match(/<h1>Triage: rate the risk and decide on a CAPA<\/h1><p class="[^"]*ims-record-title"><a [^>]*>CAPA-2026-\d{4}<\/a> · Leaking valve on line 3<\/p>/);
    expect(mainText(task.text)).to.include('Times are in');
    expectWords(task.text, USER_IDS, 'task page');
  });

  it('marks an overdue task on the list and the task page, with its holder by name', async () => {
    await server.imsflow.tasks.claim({ user: (await server.imsflow.queries.findPerson('qm-jonas'))! }, valve.task.id);
    clock.advance(6 * 86_400_000);
    const list = await page('/tasks', 'qm-anna');
    const card = list.text.slice(list.text.indexOf(`id="task-${pump.task.id}"`), list.text.indexOf('</li>', list.text.indexOf(`id="task-${pump.task.id}"`)));
    expect(card).to.match(/<span class="[^"]*overdue[^"]*">Overdue<\/span>/);
    // Jonas holds the other one now: not in Anna's list (neither hers nor her role's to claim), on Jonas's, in German
    const ofJonas = await page('/tasks', 'qm-jonas');
    expect(ofJonas.text).to.match(new RegExp(`id="task-${valve.task.id}"[^>]*>(<[^>]+>)*<h3[^>]*>[^]*?>Überfällig</span>[^]*?</h3>`));
    const task = await page(`/tasks/${valve.task.id}`, 'qm-anna');
    expect(task.text).to.match(/<p class="ims-badges"><span class="[^"]*overdue[^"]*">Overdue<\/span>/);
    expect(mainText(task.text)).to.include('Who Assigned to Jonas Keller');
    expectWords(task.text, USER_IDS, 'overdue task page');
  });

  it('ends “due this week” when Sunday ends on the reader’s clock', async () => {
    // a task due at Sunday 10 May 22:30 UTC: Sunday evening in Dublin (23:30), already Monday in Zurich (00:30)
    const due = await capa('Due at the turn of the week');
    const dueAt = '2026-05-10T22:30:00.000Z';
    await server.imsflow.store.commit({ tasks: [{ record: { ...due.task, dueAt }, expectedRevision: due.task.revision }], audit: [] });
    clock.set(new Date('2026-05-06T09:00:00Z'));
    const inDublin = await page('/tasks?due=week', 'qm-anna');
    const inZurich = await page('/tasks?due=week', 'qm-jonas');
    expect(inDublin.text).to.include(`id="task-${due.task.id}"`);
    expect(inZurich.text).to.not.include(`id="task-${due.task.id}"`);
    expect(mainText(inDublin.text)).to.include('Due this week (by the end of Sunday)');
    expect(mainText(inZurich.text)).to.include('Diese Woche fällig (bis Ende Sonntag)');
  });

  it('points a read-and-understood task at the version to read', async () => {
    // started as a publication starts it (nobody starts a training acknowledgement by hand)
    const started = await server.imsflow.start(
      'training-acknowledgement',
      { variables: { processKey: 'capa', processName: 'Corrective and preventive action (CAPA)', version: 1, user: 'st-tom', userName: 'Tom Staff', role: 'staff', dueAt: '2026-05-20T00:00:00.000Z' }, site: 'basel' },
      'operator',
    );
    const [task] = (await http('GET', api(`/tasks?instance=${started.id}&status=open`))).json.items as TaskRecord[];
    const shown = await page(`/tasks/${task.id}`, 'st-tom');
    expect(shown.status).to.equal(200);
    expect(mainText(shown.text)).to.include('What to read: Corrective and preventive action (CAPA), version 1');
    expect(shown.text).to.match(/<a [^>]*href="\/modeler\/processes\/capa\?version=1">Open version 1 of Corrective and preventive action \(CAPA\): its diagram and versions<\/a>/);
    expect(mainText(shown.text)).to.include('I have read and understood this version');
    expectWords(shown.text, USER_IDS, 'read-and-understood task');
  });

  describe('in German and in French', () => {
    it('shows the list, a task, its email link and a refused link in German, with no message missing', async () => {
      const list = await page('/tasks', 'qm-jonas');
      expect(list.text).to.match(/<html lang="de-CH">/);
      const text = mainText(list.text);
      expect(text).to.include('Aufgaben meiner Rollen');
      expect(text).to.include('Meine Aufgaben (1)');
      expect(text).to.match(/(?<!\d)\d+ Aufgaben angezeigt\./);
      expect(text).to.include('Überfällig');
      expect(text).to.include('Filtern und sortieren');
      expectWords(list.text, USER_IDS, 'German task list');

      const task = await page(`/tasks/${valve.task.id}`, 'qm-jonas');
      const german = mainText(task.text);
      expect(german).to.include('Prozess');
      expect(german).to.include('Zugewiesen an Jonas Keller');
      expect(german).to.include('Aufgabe abschließen');
      expect(german).to.include('Mehr Zeit beantragen');
      expect(german).to.include('(Pflichtfeld)');
      expectWords(task.text, USER_IDS, 'German task page');

      await server.scheduler.runDue();
      const message = (await server.imsflow.store.listMessages({ taskId: pump.task.id })).find((m) => m.userId === 'qm-jonas' && m.link);
      expect(message, 'a link for Jonas').to.not.equal(undefined);
      const linked = await http('GET', message!.link!);
      expect(linked.status).to.equal(200);
      expect(linked.text, 'the link’s person’s language, without a session').to.match(/<html lang="de-CH">/);
      expect(mainText(linked.text)).to.include(`${pump.businessKey} · Pump seal worn <early>`);
      expect(mainText(linked.text)).to.include('Aufgabe abschließen');
      expectWords(linked.text, USER_IDS, 'German email-link page');

      const refused = await http('GET', `${server.url}/t/not-a-token`, undefined, { 'accept-language': 'de-CH' });
      expect(refused.status).to.equal(400);
      expect(refused.text).to.include('<h1>Dieser Link ist ungültig</h1>');
      expect(problems, 'messages missing or broken').to.deep.equal([]);
    });

    it('shows the list, a task with a form sent back and a refused link in French, with no message missing', async () => {
      const list = await page('/tasks', 'qm-lea');
      expect(list.text).to.match(/<html lang="fr-FR">/);
      const text = mainText(list.text);
      expect(text).to.include('Tâches de mes rôles');
      expect(text).to.match(/(?<!\d)\d+ tâches affichées\./);
      expect(text).to.include('Pour le rôle responsable qualité');
      expect(text).to.include('En retard');
      expectWords(list.text, USER_IDS, 'French task list');

      const own = await capa('Étiquette illisible');
      const cookie = await cookieOf('qm-lea@example.com');
      const form = await http('GET', `${server.url}/tasks/${own.task.id}`, undefined, cookie);
      await server.imsflow.tasks.claim({ user: (await server.imsflow.queries.findPerson('qm-lea'))! }, own.task.id);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1];
      const back = await fetch(`${server.url}/tasks/${own.task.id}`, {
        method: 'POST',
        headers: { ...cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf }),
        redirect: 'manual',
      });
      expect(back.status).to.equal(400);
      const html = await back.text();
      const french = mainText(html);
      expect(french).to.match(/Veuillez corriger \d+ champs\./);
      expect(french).to.include('choisissez l’une des options, ce champ est obligatoire.');
      expect(french).to.include('Terminer la tâche');
      expectWords(html, USER_IDS, 'French task page with problems');

      const refused = await http('GET', `${server.url}/t/not-a-token`, undefined, { 'accept-language': 'fr-FR' });
      expect(refused.text).to.include('<h1>Ce lien n’est pas valide</h1>');
      expect(problems, 'messages missing or broken').to.deep.equal([]);
    });
  });
});
