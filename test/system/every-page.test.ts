import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { OVERSEERS, SESSION_COOKIE } from '../../api/auth.js';
import { packPageExamples } from '../../api/pages/pack/routes.js';
import { allowedBy } from '../../engine/packs.js';
import { shippedPacks } from '../../processes/index.js';
import { startServer, type RunningServer } from '../../api/server.js';
import { loadConfig } from '../../engine/boot/config.js';
import { onMessageProblem, type MessageProblem } from '../../engine/kernel/i18n/index.js';
import { DEMO_PASSWORD, seedDemo } from '../../scripts/demo.js';
import { wcagViolations } from '../support/accessibility.js';
import { screenshot, useBrowser } from '../support/browser.js';
import { http, JSON_BODY } from '../support/http.js';

/**
 * Every page imsflow serves, on the demo organisation, as the people who use them: in Chromium at desktop
 * and phone width with axe-core (WCAG 2.1 A and AA: 0 violations of any impact), and in English, German and
 * French over HTTP with every message found. No page shows a person a raw `${`, an ISO timestamp, JSON,
 * "undefined" or a message id. The list of pages is here, in one place: a new page belongs in it.
 */

declare const document: { body: { innerText: string }; documentElement: { scrollWidth: number; lang: string } };

/** What a person must never read on a page. */
const RAW: [RegExp, string][] = [
  [/\$\{/, 'a raw ${ template'],
  [/\d{4}-\d\d-\d\dT\d\d:\d\d/, 'an ISO timestamp'],
  [/\{"|"\w+":/, 'JSON'],
  [/\bundefined\b|\bNaN\b|\[object Object\]/, 'undefined, NaN or [object Object]'],
  [/\b(shell|inbox|tasks|taskForm|records|dashboard|audit|mail|signIn|account|badges|time|start|admin|packPage)\.[a-z]\w*\.\w/, 'a message id'],
];

function rawIn(text: string): string[] {
  return RAW.filter(([pattern]) => pattern.test(text)).map(([pattern, what]) => `${what}: …${text.slice(Math.max(0, text.search(pattern) - 40), text.search(pattern) + 40)}…`);
}

/** The text of an HTML page as a person reads it (scripts, styles, tags and their attribute values left out). */
function textOf(html: string): string {
  const body = html.replace(/<script\b[\s\S]*?<\/script>|<style\b[\s\S]*?<\/style>/g, ' ');
  let text = '';
  // one pass: inside a tag, skip to its end, past quoted attribute values (they may hold ">", as chart data does)
  for (let i = 0, quote = '', inTag = false; i < body.length; i += 1) {
    const c = body[i];
    if (!inTag) {
      if (c === '<') inTag = true;
      else text += c;
    } else if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') {
      inTag = false;
      text += ' ';
    }
  }
  return text.replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#x27;|&#39;/g, "'").replace(/&amp;/g, '&');
}

interface PageVisit {
  name: string;
  /** The demo person who opens it; none: signed out. */
  as?: string;
  path: string;
}

describe('every page, in Chromium with axe-core, and in English, German and French', function () {
  this.timeout(240_000);
  const chrome = useBrowser();
  let dir: string;
  let server: RunningServer;
  const visits: PageVisit[] = [];
  const sessions = new Map<string, string>();

  const sessionOf = async (person: string) => {
    if (!sessions.has(person)) sessions.set(person, (await server.accounts.login(`${person}@example.com`, DEMO_PASSWORD, 'every-page test')).token);
    return sessions.get(person)!;
  };
  const get = async (visit: PageVisit, headers: Record<string, string> = {}) =>
    http('GET', `${server.url}${visit.path}`, undefined, visit.as ? { cookie: `${SESSION_COOKIE}=${await sessionOf(visit.as)}`, ...headers } : headers);
  const firstHref = (html: string, prefix: string) => {
    const href = new RegExp(`href="(${prefix.replace(/[/?]/g, '\\$&')}[^"]*)"`).exec(html)?.[1];
    expect(href, `a link to ${prefix}`).to.be.a('string');
    return href!.replace(/&amp;/g, '&');
  };

  before(async function () {
    this.timeout(240_000);
    dir = mkdtempSync(join(tmpdir(), 'imsflow-every-page-'));
    await seedDemo(dir, { env: {} });
    server = await startServer(
      loadConfig({ PORT: '0', IMSFLOW_DATA: dir, IMSFLOW_POLL_MS: '0', IMSFLOW_DIGEST: 'off', IMSFLOW_SITES: 'basel=de-CH Europe/Zurich, dublin=en-IE Europe/Dublin', IMSFLOW_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1', IMSFLOW_CHECK_TIMEOUT_MS: '10000' }),
      { logger: pino({ level: 'silent' }) },
    );
    const { store } = server.assembly;

    // a record of every shipped process (the auditor reads both plants), and an open task of a Dublin filling-line supervisor
    const instances = await store.listInstances({});
    for (const key of [...new Set(instances.map((i) => i.key))].sort()) {
      const record = instances.find((i) => i.key === key && i.status === 'running') ?? instances.find((i) => i.key === key)!;
      visits.push({ name: `record ${key}`, as: 'henrik.larsen', path: `/records/${record.id}` });
    }
    const open = (await store.listTasks({ status: 'open' })).filter((t) => t.assignee === 'sean.gallagher');
    expect(open, 'the demo gives Sean Gallagher open tasks').to.not.be.empty;
    // a task link as its recipient gets it today: a quality manager's open step handed to Aoife Brennan
    const roleTask = (await store.listTasks({ status: 'open', sites: ['dublin'] })).find((t) => !t.assignee && t.candidateRole === 'quality-manager')!;
    await server.imsflow.reassignTask(roleTask.id, { assignee: 'aoife.brennan' }, 'Aoife covers the triage this week', 'siobhan.walsh');
    await server.scheduler.runDue();
    // the newest: the role's own notice from the demo's past may have expired
    const linked = (await store.listMessages({ taskId: roleTask.id })).filter((m) => m.kind === 'assigned' && m.link && m.to.includes('aoife')).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0]!;
    expect(linked, 'an email with a link to the task').to.not.equal(undefined);

    // a change to the CAPA process in review (the editor and the review page), and a KPI of the Dublin plant
    const apiAs = async (person: string) => {
      const token = (await server.accounts.createApiToken(person, 'every-page test', 'every-page test')).token;
      return async (method: string, path: string, body?: unknown) => {
        const reply = await http(method, `${server.url}/api${path}`, body, { ...JSON_BODY, authorization: `Bearer ${token}` });
        expect(reply.status, `${method} ${path}: ${reply.text}`).to.be.below(300);
        return reply.json;
      };
    };
    const ciaran = await apiAs('ciaran.doyle');
    const draft = await ciaran('POST', '/drafts', { key: 'capa' });
    const saved = await ciaran('PUT', `/drafts/${draft.id}`, { xml: String(draft.xml).replace('name="CAPA raised"', 'name="CAPA raised by anyone"'), revision: draft.revision });
    await ciaran('POST', `/drafts/${draft.id}/submit`, { reason: 'Anyone may raise a CAPA', impact: 'None on open records', revision: saved.revision });
    // a nonconformity Sean raised from its start form: its confirmation page
    const reported = await (await apiAs('sean.gallagher'))('POST', '/processes/nonconformity/instances', { variables: { title: 'Cap torque low on line 2', description: 'Three caps turned by hand at the end of the shift.', owner: 'sean.gallagher' } });
    await (await apiAs('aoife.brennan'))('PUT', '/kpis/right-first-time', { system: 'quality', name: 'Batches right first time', unit: '%', target: 95, direction: 'up', owner: 'aoife.brennan', source: 'manual', site: 'dublin' });

    // a supervisor out of office for a week (his account page), and the colleague holding his tasks, who chose the daily digest
    const [standIn] = await server.imsflow.possibleDelegates('sean.gallagher');
    expect(standIn, 'a colleague who may hold Sean Gallagher\'s tasks').to.not.equal(undefined);
    const dublinDay = (at: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Dublin' }).format(new Date(at));
    await server.imsflow.setAbsence('sean.gallagher', { fromDay: dublinDay(Date.now()), toDay: dublinDay(Date.now() + 7 * 86_400_000), delegate: standIn.id }, 'sean.gallagher');
    await server.imsflow.setNoticePreference(standIn.id, { delivery: 'daily', at: '06:30' }, standIn.id);

    visits.push(
      { name: 'the account of a stand-in', as: standIn.id, path: '/account' },
      { name: 'sign-in', path: '/login' },
      { name: 'the inbox of a staff member', as: 'sean.gallagher', path: '/inbox' },
      { name: 'the inbox of a quality manager (a change to sign)', as: 'aoife.brennan', path: '/inbox' },
      { name: 'tasks of a staff member', as: 'sean.gallagher', path: '/tasks' },
      { name: 'tasks of a quality manager', as: 'aoife.brennan', path: '/tasks' },
      { name: 'a task', as: 'sean.gallagher', path: `/tasks/${open[0].id}` },
      { name: 'a task from an email link', path: new URL(linked.link!).pathname },
      { name: 'the account, out of office', as: 'sean.gallagher', path: '/account' },
      { name: 'the records register of a quality manager', as: 'aoife.brennan', path: '/records' },
      { name: 'the records register of a staff member, searched', as: 'sean.gallagher', path: '/records?q=line&sort=due&dir=asc' },
      { name: 'what a staff member may start', as: 'sean.gallagher', path: '/new' },
      { name: 'what a quality manager may start', as: 'aoife.brennan', path: '/new' },
      { name: 'the nonconformity start form', as: 'sean.gallagher', path: '/new/nonconformity' },
      { name: 'the CAPA start form', as: 'aoife.brennan', path: '/new/capa' },
      { name: 'the internal audit start form', as: 'aoife.brennan', path: '/new/internal-audit' },
      { name: 'the document-control start form (pickers)', as: 'aoife.brennan', path: '/new/document-control' },
      { name: 'a nonconformity just raised', as: 'sean.gallagher', path: `/new/nonconformity/started/${reported.id}` },
      { name: 'the audit trail', as: 'henrik.larsen', path: '/audit' },
      { name: 'the dashboard', as: 'siobhan.walsh', path: '/dashboard' },
      { name: 'the processes', as: 'ciaran.doyle', path: '/modeler' },
      { name: 'a process and its versions', as: 'ciaran.doyle', path: '/modeler/processes/capa' },
      { name: 'a draft in the editor', as: 'ciaran.doyle', path: `/modeler/drafts/${draft.id}` },
      { name: 'a change in review', as: 'aoife.brennan', path: `/modeler/drafts/${draft.id}/review` },
      { name: 'a page that does not exist', as: 'sean.gallagher', path: '/records/no-such-record' },
      { name: 'people', as: 'grace.obi', path: '/admin/people' },
      { name: 'people found by a search', as: 'grace.obi', path: '/admin/people?q=dublin+sean&role=staff&status=active' },
      { name: 'a person', as: 'grace.obi', path: '/admin/people/sean.gallagher' },
      { name: 'a new person', as: 'grace.obi', path: '/admin/people/new' },
      { name: 'deactivating a person', as: 'grace.obi', path: '/admin/people/sean.gallagher/deactivate' },
      { name: 'importing people', as: 'grace.obi', path: '/admin/people/import' },
    );
    // the administration pages, with a schedule and a webhook whose delivery failed (nothing listens there)
    const grace = await apiAs('grace.obi');
    await grace('PUT', '/schedules/yearly-management-review', { processKey: 'management-review', cron: '0 9 1 3 *', timezone: 'Europe/Zurich', site: 'basel' });
    const webhook = await grace('POST', '/webhooks', { url: 'http://127.0.0.1:9/events', events: ['instance.started'], description: 'Quality data lake' });
    await server.imsflow.start('nonconformity', { variables: { owner: 'sean.gallagher' }, site: 'dublin' }, 'sean.gallagher');
    await server.scheduler.runDue();
    visits.push(
      { name: 'administration', as: 'grace.obi', path: '/admin' },
      { name: 'the site register', as: 'grace.obi', path: '/admin/sites' },
      { name: 'a site', as: 'grace.obi', path: '/admin/sites/basel' },
      { name: 'the schedules', as: 'grace.obi', path: '/admin/schedules' },
      { name: 'a schedule', as: 'grace.obi', path: '/admin/schedules/yearly-management-review' },
      { name: 'a new schedule', as: 'grace.obi', path: '/admin/schedules/new' },
      { name: 'the webhooks', as: 'grace.obi', path: '/admin/webhooks' },
      { name: 'a webhook and its delivery log', as: 'grace.obi', path: `/admin/webhooks/${webhook.id}` },
      { name: 'a new webhook', as: 'grace.obi', path: '/admin/webhooks/new' },
      { name: 'the API tokens', as: 'grace.obi', path: '/admin/tokens' },
      // the packs' public intake page (ProcessPack.intake), without an account, and its printable posters
      { name: 'the public report page of a site', path: '/report/dublin?area=warehouse' },
      { name: 'report posters of a site', as: 'aoife.brennan', path: '/report/dublin/poster' },
    );
    // the shipped packs' pages (ProcessPack.pages) at their examples, each opened by a demo person allowed to (not an admin when another may)
    const people = (await store.listUsers({ active: true })).sort((a, b) => Number(a.roles.includes('admin')) - Number(b.roles.includes('admin')) || a.id.localeCompare(b.id));
    for (const example of packPageExamples(shippedPacks)) {
      const person = example.access === 'signed-in' ? people.find((p) => p.id === 'sean.gallagher') : people.find((p) => allowedBy(example.access, p, OVERSEERS));
      expect(person, `a demo person who may open ${example.name}`).to.not.equal(undefined);
      visits.push({ name: example.name, as: person!.id, path: example.path });
    }
    const dashboard = await get({ name: 'dashboard', as: 'siobhan.walsh', path: '/dashboard' });
    visits.push(
      { name: 'the records behind a figure', as: 'siobhan.walsh', path: firstHref(dashboard.text, '/dashboard/list?') },
      { name: 'a KPI', as: 'siobhan.walsh', path: firstHref(dashboard.text, '/dashboard/kpis/') },
    );
  });
  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists every kind of page', () => {
    expect(visits.map((v) => v.path.split('/')[1]?.split('?')[0])).to.include.members(['login', 'tasks', 't', 'records', 'account', 'audit', 'dashboard', 'modeler', 'new', 'admin']);
  });

  it('every page: WCAG 2.1 AA with axe-core at desktop and phone width, nothing sideways, nothing raw', async () => {
    const problems: string[] = [];
    for (const visit of visitsInOrder()) {
      const { context, page } = await chrome.newPage({ locale: 'en-IE' });
      if (visit.as) await context.addCookies([{ name: SESSION_COOKIE, value: await sessionOf(visit.as), url: server.url }]);
      const response = await page.goto(`${server.url}${visit.path}`);
      const expected = visit.path.startsWith('/records/no-such') ? 404 : 200;
      if (response?.status() !== expected) problems.push(`${visit.name}: status ${response?.status()}, not ${expected}`);
      await page.waitForLoadState('networkidle');
      for (const [width, height] of [[1280, 800], [390, 844]] as const) {
        await page.setViewportSize({ width, height });
        for (const violation of await wcagViolations(page)) problems.push(`${visit.name} at ${width}px: ${violation}`);
        if ((await page.evaluate(() => document.documentElement.scrollWidth)) > width) problems.push(`${visit.name} at ${width}px: wider than the screen`);
        for (const raw of rawIn(await page.evaluate(() => document.body.innerText))) problems.push(`${visit.name} at ${width}px: ${raw}`);
        console.log(`      ${visit.name}, ${width}px: ${await screenshot(page, `every page ${visit.name} ${width}`)}`);
      }
      await context.close();
    }
    expect(problems).to.deep.equal([]);
  });

  for (const [language, locale] of [['German', 'de-CH'], ['French', 'fr-FR']] as const) {
    it(`every page in ${language}: every message found, <html lang> the reader's, nothing raw`, async () => {
      const people = [...new Set(visits.flatMap((v) => (v.as ? [v.as] : [])))];
      for (const person of people) await server.imsflow.setReadingPreferences(person, { locale, timeZone: 'Europe/Zurich' }, person);
      const reported: MessageProblem[] = [];
      const restore = onMessageProblem((problem) => reported.push(problem));
      const problems: string[] = [];
      try {
        for (const visit of visits) {
          // the email-link page reads in its recipient's language: a signed-out visitor's browser asks for this one
          const reply = await get(visit, { 'accept-language': locale });
          if (reply.status !== (visit.path.startsWith('/records/no-such') ? 404 : 200)) problems.push(`${visit.name}: status ${reply.status}`);
          const lang = /<html lang="([^"]+)"/.exec(reply.text)?.[1];
          if (visit.path.startsWith('/t/')) {
            if (!lang?.startsWith(locale.slice(0, 2)) && lang !== 'en-IE') problems.push(`${visit.name}: lang ${lang}`);
          } else if (lang !== locale && !(visit.as === undefined && lang === locale)) problems.push(`${visit.name}: lang ${lang}, not ${locale}`);
          for (const raw of rawIn(textOf(reply.text))) problems.push(`${visit.name}: ${raw}`);
        }
      } finally {
        restore();
        for (const person of people) await server.imsflow.setReadingPreferences(person, { locale: '', timeZone: '' }, person);
      }
      expect(problems).to.deep.equal([]);
      expect(reported.map((p) => `${p.code} ${p.id ?? ''}: ${p.message.slice(0, 120)}`)).to.deep.equal([]);
    });
  }

  /** The pages in the order a person meets them: signed out first. */
  function visitsInOrder(): PageVisit[] {
    return [...visits.filter((v) => !v.as), ...visits.filter((v) => v.as)];
  }
});
