import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { SESSION_COOKIE } from '../../api/auth.js';
import { startServer, type RunningServer } from '../../api/server.js';
import { csvCell } from '../../api/csv.js';
import { safeNext } from '../../api/pages/session.js';
import { iterationLabel } from '../../api/pages/task-form/clauses.js';
import { PAGE_MESSAGES } from '../../api/pages/reader.js';
import { MessageCatalogue, readerFor } from '../../engine/kernel/i18n/index.js';
import { checkUpload, sanitiseFileName } from '../../api/pages/attachments.js';
import { FakeClock } from '../../engine/kernel/clock.js';
import type { AuditEvent, IterationResult, TaskRecord } from '../../engine/kernel/model.js';
import { shippedCatalogue } from '../../processes/index.js';
import { loadConfig } from '../../engine/boot/config.js';
import { fixtureBpmn } from '../helpers.js';
import { http } from '../support/http.js';
import { signInOperator } from '../support/operator.js';

/**
 * The server-rendered pages over plain HTTP (fetch, no JavaScript): sign-in with cookie and CSRF, the task
 * list, claim/release/delegate, the task form with every field type and a real multipart upload, record
 * pages with attachments, and the audit trail with its CSV export. Real-browser tests live elsewhere.
 */

const PASSWORD = 'tulip-granite-orbit-2026';
const XSS = `"><script>alert(1)</script><img src=x onerror=alert(2)>'`;
const HOSTILE_NAME = 'Bob <img src=x onerror="alert(3)">';

const PROCESS = fixtureBpmn('uiform');

interface Page {
  status: number;
  location: string | null;
  type: string;
  text: string;
  bytes: Buffer;
  headers: Headers;
}

/** A browser without JavaScript: keeps cookies, follows nothing by itself. */
class Browser {
  readonly cookies = new Map<string, string>();
  constructor(private readonly base: string) {}

  async request(method: string, path: string, body?: URLSearchParams | FormData | Record<string, string>, headers: Record<string, string> = {}): Promise<Page> {
    const all: Record<string, string> = { ...headers };
    if (this.cookies.size) all.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let payload: URLSearchParams | FormData | undefined;
    if (body instanceof FormData || body instanceof URLSearchParams) payload = body;
    else if (body) payload = new URLSearchParams(body);
    const response = await fetch(`${this.base}${path}`, { method, headers: all, body: payload, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (!value || /Expires=Thu, 01 Jan 1970/i.test(cookie) || /Max-Age=0/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    return { status: response.status, location: response.headers.get('location'), type: response.headers.get('content-type') ?? '', text: bytes.toString('utf8'), bytes, headers: response.headers };
  }

  get(path: string): Promise<Page> {
    return this.request('GET', path);
  }

  post(path: string, body: URLSearchParams | FormData | Record<string, string>): Promise<Page> {
    return this.request('POST', path, body);
  }
}

const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const titleOf = (html: string) => /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '';
/** What a person reads of some HTML: the text without tags, entities decoded, white space collapsed. */
const textOf = (html: string) =>
  html
    .replace(/<[^<>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .replace(/ ([.,)])/g, '$1')
    .trim();
/** The element with an id, as HTML (up to its first closing tag of the same name, so for leaf-like elements). */
const elementById = (html: string, id: string, tag = '[a-z0-9]+') => new RegExp(`<(${tag})[^>]* id="${id}"[^>]*>[^]*?</\\1>`).exec(html)?.[0] ?? '';

/** A page a person can read, and one that is safe to show: escaped, not framed, not sniffed. */
function expectPage(page: Page, status: number, title: RegExp): void {
  expect(page.status, page.text.slice(0, 2000)).to.equal(status);
  expect(page.type).to.match(/^text\/html/);
  // pages built from components (api/pages) close void elements with `/>`: the same document to a browser
  // every page a component: the reader's locale (en-GB by default)
  expect(page.text).to.match(/^<!doctype html><html lang="en-GB"><head><meta charset="utf-8"\/?><meta name="viewport" content="width=device-width, initial-scale=1"\/?>/);
  expect(titleOf(page.text)).to.match(title);
  expect(page.text).to.include('<a class="usa-skipnav" href="#main">Skip to content</a>');
  expect(page.headers.get('x-content-type-options')).to.equal('nosniff');
  expect(page.headers.get('content-security-policy')).to.include("frame-ancestors 'none'");
  // no inline style or script on any page (a diagram page's style attributes aside: api/pages/basics.ts)
  expect(page.headers.get('content-security-policy')).to.include("style-src 'self';").and.not.include("'unsafe-inline'");
}

/** The unescaped payload must appear nowhere as markup; a person reads it as typed. */
function expectEscaped(html: string, payload = XSS): void {
  expect(html).to.not.include('<script>alert(1)</script>');
  expect(html).to.not.include('<img src=x onerror');
  expect(textOf(html)).to.include(payload);
}

/** A small valid PDF, made different by `tag`. */
function pdf(tag: string, size = 0): Buffer {
  const body = Buffer.from(`%PDF-1.4\n% ${tag}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`);
  return size > body.length ? Buffer.concat([body, Buffer.alloc(size - body.length, 0x20)]) : body;
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += c;
  }
  return rows;
}

describe('pages (sign-in, tasks, records, audit) over HTTP', () => {
  let dir: string;
  let server: RunningServer;
  let clock: FakeClock;
  const api = (path: string) => `${server.url}/api${path}`;
  const attachmentFiles = () => (existsSync(join(dir, 'attachments')) ? readdirSync(join(dir, 'attachments')).sort() : []);
  const uploads = async () => (await server.imsflow.store.listAudit({ limit: 1_000_000 })).filter((e) => e.action === 'attachment.uploaded');

  /** A signed-in browser for a user, through the accounts service (the login page has its own tests and a rate limit). */
  async function browserFor(email: string): Promise<Browser> {
    const browser = new Browser(server.url);
    const { token } = await server.accounts.login(email, PASSWORD, 'test');
    browser.cookies.set(SESSION_COOKIE, token);
    return browser;
  }

  async function start(site: string, title: string): Promise<{ id: string; businessKey: string; task: TaskRecord }> {
    const started = await http('POST', api('/processes/uiform/instances'), { variables: { title }, site });
    expect(started.status, started.text).to.equal(201);
    const [task] = (await http('GET', api(`/tasks?instance=${started.json.id}&status=open`))).json.items as TaskRecord[];
    return { id: started.json.id, businessKey: started.json.businessKey, task };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-ui-'));
    clock = new FakeClock('2026-05-04T07:00:00Z');
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir }), { clock, logger: pino({ level: process.env.UI_TEST_LOG ?? 'silent' }) });
    await signInOperator(server);
    const users = [
      { id: 'quinn', name: 'Quinn North', roles: ['quality-manager'], sites: ['north'] },
      { id: 'sally', name: 'Sally South', roles: ['quality-manager'], sites: ['south'] },
      { id: 'ann', name: 'Ann Auditor', roles: ['auditor'], sites: ['north'] },
      { id: 'bob', name: HOSTILE_NAME, roles: ['staff'], sites: ['north'] },
      { id: 'carl', name: 'Carl Bystander', roles: ['staff'], sites: ['north'] },
      { id: 'locky', name: 'Lockie Lock', roles: ['staff'], sites: ['north'] },
    ];
    for (const user of users) {
      await server.imsflow.saveUser({ ...user, email: `${user.id}@example.com` }, 'test-setup');
      await server.accounts.setPassword(user.id, PASSWORD, 'test-setup', 'test');
    }
    expect((await http('POST', api('/definitions'), PROCESS, { 'content-type': 'application/xml' })).status).to.equal(201);
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('signing in and out', () => {
    it('pages redirect to /login?next=… when nobody is signed in; POSTs too, back to their page', async () => {
      const anonymous = new Browser(server.url);
      for (const [path, next] of [
        ['/tasks', '/tasks'],
        ['/tasks?due=overdue&sort=created', '/tasks?due=overdue&sort=created'],
        ['/records/abc', '/records/abc'],
        ['/audit', '/audit'],
        ['/attachments/' + 'a'.repeat(64), `/attachments/${'a'.repeat(64)}`],
      ]) {
        const page = await anonymous.get(path);
        expect(page.status, path).to.equal(303);
        expect(page.location).to.equal(`/login?next=${encodeURIComponent(next)}`);
      }
      const claim = await anonymous.post('/tasks/some-id/claim', {});
      expect(claim.location).to.equal(`/login?next=${encodeURIComponent('/tasks/some-id')}`);
      expect((await anonymous.get('/')).location).to.equal('/inbox');
    });

    it('the login form keeps next and refuses a wrong password (401) without echoing it', async () => {
      const browser = new Browser(server.url);
      const form = await browser.get('/login?next=%2Ftasks%3Fdue%3Doverdue');
      expectPage(form, 200, /^Sign in/);
      expect(form.text).to.include('<label class="usa-label" for="email">Email</label><input class="usa-input" type="email" id="email" name="email" autocomplete="username" required/>');
      expect(form.text).to.include('<label class="usa-label" for="password">Password</label><input class="usa-input" type="password" id="password" name="password" autocomplete="current-password" required/>');
      expect(form.text).to.include('<input type="hidden" name="next" value="/tasks?due=overdue"/>');
      const token = csrfIn(form.text);
      expect(token).to.match(/^[\w-]{32}$/);
      expect(browser.cookies.get('imsflow_login')).to.equal(token);

      const wrong = await browser.post('/login', { _csrf: token, next: '/tasks?due=overdue', email: 'quinn@example.com', password: 'wrong-password-guess' });
      expectPage(wrong, 401, /^Sign in/);
      expect(wrong.text).to.include('<p id="login-error">The email or the password is wrong.</p>');
      expect(wrong.text).to.include('value="quinn@example.com" aria-invalid="true" aria-describedby="login-error"');
      expect(wrong.text).to.not.include('wrong-password-guess');
      expect(browser.cookies.has(SESSION_COOKIE)).to.equal(false);
    });

    it('a sign-in form posted from another site is refused (403)', async () => {
      const page = await new Browser(server.url).post('/login', { email: 'quinn@example.com', password: PASSWORD, next: '/tasks' });
      expectPage(page, 403, /^Sign in/);
      expect(page.text).to.include('The sign-in form had expired');
      expect(page.headers.getSetCookie().some((c) => c.startsWith(`${SESSION_COOKIE}=`))).to.equal(false);
    });

    it('signing in and out works like the API session, with the CSRF token', async () => {
      const browser = new Browser(server.url);
      const token = csrfIn((await browser.get('/login?next=/tasks%3Fsort%3Dcreated')).text);
      const done = await browser.post('/login', { _csrf: token, next: '/tasks?sort=created', email: 'Quinn@Example.com', password: PASSWORD });
      expect(done.status).to.equal(303);
      expect(done.location).to.equal('/tasks?sort=created');
      const cookie = done.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!;
      expect(cookie).to.match(/; Max-Age=43200; Path=\/; Expires=[^;]+; HttpOnly; SameSite=Lax$/);
      expect(browser.cookies.has('imsflow_login')).to.equal(false);

      const sessionToken = browser.cookies.get(SESSION_COOKIE)!;
      const tasks = await browser.get('/tasks?sort=created');
      expectPage(tasks, 200, /^Tasks/);
      expect(tasks.text).to.include('Signed in as <strong>Quinn North</strong>');
      expect(tasks.text).to.include('<a href="/tasks" aria-current="page">Tasks</a>');
      // quality managers read the audit trail
      expect(tasks.text).to.include('<a href="/audit">Audit trail</a>');
      const session = (await (await fetch(api('/session'), { headers: { cookie: `${SESSION_COOKIE}=${browser.cookies.get(SESSION_COOKIE)}` } })).json()) as { csrf: string };
      expect(csrfIn(tasks.text)).to.equal(session.csrf);
      // already signed in: the login page goes on to next
      expect((await browser.get('/login?next=/audit')).location).to.equal('/audit');

      const refused = await browser.post('/logout', {});
      expectPage(refused, 403, /^Not allowed/);
      expect(refused.text).to.include('CSRF token');
      expect((await browser.get('/tasks')).status).to.equal(200);

      const out = await browser.post('/logout', { _csrf: session.csrf });
      expect(out.status).to.equal(303);
      expect(out.location).to.equal('/login?out=1');
      expect(browser.cookies.has(SESSION_COOKIE)).to.equal(false);
      expect((await browser.get('/login?out=1')).text).to.include('You are signed out.');
      // the session is gone on the server, not only in this browser
      const again = await fetch(`${server.url}/tasks`, { headers: { cookie: `${SESSION_COOKIE}=${sessionToken}` }, redirect: 'manual' });
      expect(again.status).to.equal(303);
    });

    it('refuses open redirects: next is a path on this server or the task list', async () => {
      for (const evil of ['https://evil.example/x', '//evil.example/x', '/\\evil.example', '\\\\evil.example', 'javascript:alert(1)', ' //evil.example', '/\t/evil.example', 'http:/evil.example', '/login?next=//evil.example', '']) {
        expect(safeNext(evil), JSON.stringify(evil)).to.equal('/tasks');
      }
      expect(safeNext('/records/abc?x=1#history')).to.equal('/records/abc?x=1#history');
      expect(safeNext('/tasks/%2F%2Fevil.example')).to.equal('/tasks/%2F%2Fevil.example');

      const browser = new Browser(server.url);
      const form = await browser.get(`/login?next=${encodeURIComponent('//evil.example/steal')}`);
      expect(form.text).to.include('<input type="hidden" name="next" value="/tasks"/>');
      // a next posted directly is checked again
      const done = await browser.post('/login', { _csrf: csrfIn(form.text), next: 'https://evil.example/steal', email: 'quinn@example.com', password: PASSWORD });
      expect(done.status).to.equal(303);
      expect(done.location).to.equal('/tasks');
      const signedIn = await browser.get(`/login?next=${encodeURIComponent('/\\evil.example')}`);
      expect(signedIn.location).to.equal('/tasks');
    });

    it('the sign-in page names slowed sign-ins and bursts of attempts (429)', async () => {
      const browser = new Browser(server.url);
      const token = csrfIn((await browser.get('/login')).text);
      const attempt = (password: string) => browser.post('/login', { _csrf: token, next: '/tasks', email: 'locky@example.com', password });
      let last: Page | undefined;
      for (let i = 0; i < 5; i += 1) last = await attempt(`wrong-${i}-password`);
      expect(last!.status).to.equal(401);
      const locked = await attempt(PASSWORD);
      expectPage(locked, 429, /^Sign in/);
      expect(locked.text).to.include('Too many failed sign-ins with this email from here. Try again in 30 seconds.');
      expect(locked.headers.get('retry-after')).to.match(/^\d+$/);
      // the rate limit per address (shared with POST /api/session) comes next
      let limited: Page | undefined;
      for (let i = 0; i < 12 && !limited?.text.includes('from this address'); i += 1) limited = await attempt(PASSWORD);
      expectPage(limited!, 429, /^Sign in/);
      expect(limited!.text).to.include('Too many sign-in attempts from this address. Wait a minute, then try again.');
      expect(limited!.headers.get('retry-after')).to.equal('60');
      const viaApi = await fetch(api('/session'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'quinn@example.com', password: PASSWORD }) });
      expect(viaApi.status).to.equal(429);
    });
  });

  describe('the task list', () => {
    let north: Awaited<ReturnType<typeof start>>;
    let south: Awaited<ReturnType<typeof start>>;

    before(async () => {
      north = await start('north', XSS);
      south = await start('south', 'south line');
    });

    it('shows my roles\' tasks of my sites only, every value escaped', async () => {
      const quinn = await browserFor('quinn@example.com');
      const page = await quinn.get('/tasks');
      expectPage(page, 200, /^Tasks/);
      expect(page.text).to.include(north.businessKey);
      expect(page.text).to.not.include(south.businessKey);
      expect(page.text).to.include('<h2 id="roles">My roles’ tasks (1)</h2>');
      expect(page.text).to.include('<h2 id="mine">My tasks (0)</h2>');
      expect(page.text).to.match(new RegExp(`<a [^>]*href="/tasks/${north.task.id}">Inspect `));
      // the card names the record by its number and its title (the title here is the hostile string, escaped)
      const card = page.text.slice(page.text.indexOf(`id="task-${north.task.id}"`));
      expect(textOf(card)).to.include(`${north.businessKey} · ${XSS}`);
      expect(card).to.match(new RegExp(`<a [^>]*href="/records/${north.id}">${north.businessKey}</a>`));
      expect(textOf(card)).to.include('Safety inspection Site north Due');
      expectEscaped(page.text);
      // the delegation choice lists people of the site, the hostile name escaped
      expect(page.text).to.match(/<option value="bob">Bob &lt;img src=x onerror=&quot;alert\(3\)&quot;>?(&gt;)?<\/option>/);
      expect(page.text).to.not.include('<option value="sally">');

      const sally = await (await browserFor('sally@example.com')).get('/tasks');
      expect(sally.text).to.include(south.businessKey);
      expect(sally.text).to.not.include(north.businessKey);
      // staff of the site hold no quality-manager task
      const carl = await (await browserFor('carl@example.com')).get('/tasks');
      expect(carl.text).to.not.include(north.businessKey);
      expect(carl.text).to.not.include('<a href="/audit">');
      // another site's task page is not found
      expectPage(await (await browserFor('sally@example.com')).get(`/tasks/${north.task.id}`), 404, /^Not found/);
    });

    it('claims a task and releases it to the role with an optional reason, both audited', async () => {
      const quinn = await browserFor('quinn@example.com');
      const list = await quinn.get('/tasks');
      const csrf = csrfIn(list.text);
      expect(list.text).to.match(new RegExp(`<form method="post" action="/tasks/${north.task.id}/claim"><input type="hidden" name="_csrf" value="${csrf}"/?>`));

      expectPage(await quinn.post(`/tasks/${north.task.id}/claim`, { back: 'list' }), 403, /^Not allowed/);
      expect((await server.imsflow.getTask(north.task.id)).assignee).to.equal(undefined);
      // another site's task cannot be claimed, nor is it revealed
      const sally = await browserFor('sally@example.com');
      expectPage(await sally.post(`/tasks/${north.task.id}/claim`, { _csrf: csrfIn((await sally.get('/tasks')).text) }), 404, /^Not found/);

      // the role's holders have been sent links; a second quality manager of the site has one too
      await server.imsflow.saveUser({ id: 'quentin', email: 'quentin@example.com', name: 'Quentin North', roles: ['quality-manager'], sites: ['north'] }, 'test-setup');
      await server.imsflow.store.commit({
        linkTokens: [{ id: 'quentin-link', taskId: north.task.id, userId: 'quentin', createdAt: clock.now().toISOString(), expiresAt: '2099-01-01T00:00:00.000Z' }],
        audit: [],
      });
      await server.scheduler.runDue();
      expect((await server.imsflow.store.listLinkTokens(north.task.id)).some((t) => t.userId === 'quinn' && !t.revokedAt)).to.equal(true);

      const claimed = await quinn.post(`/tasks/${north.task.id}/claim`, { _csrf: csrf, back: 'list' });
      expect(claimed.status).to.equal(303);
      expect(claimed.location).to.equal(`/tasks?done=claimed&task=${north.task.id}`);
      expect(await server.imsflow.getTask(north.task.id)).to.include({ assignee: 'quinn', candidateRole: 'quality-manager' });
      // the others' links stop working; the claimer's own keep working
      const tokens = await server.imsflow.store.listLinkTokens(north.task.id);
      expect(tokens.find((t) => t.id === 'quentin-link')).to.include({ revokedReason: 'claimed by quinn' });
      expect(tokens.filter((t) => t.userId === 'quinn').map((t) => t.revokedAt)).to.deep.equal(tokens.filter((t) => t.userId === 'quinn').map(() => undefined));
      await server.imsflow.saveUser({ id: 'quentin', email: 'quentin@example.com', name: 'Quentin North', roles: ['quality-manager'], sites: ['north'], active: false }, 'test-setup');
      const after = await quinn.get(claimed.location!);
      expect(after.text).to.match(/role="status"[^>]*>(<[^>]+>)*<p>“Inspect [^”]*” \(UIFORM-2026-\d{4} · [^]*?\) is now assigned to you\.<\/p>/);
      expect(after.text).to.include('<h2 id="mine">My tasks (1)</h2>');
      expect(after.text).to.include('<h2 id="roles">My roles’ tasks (0)</h2>');

      const released = await quinn.post(`/tasks/${north.task.id}/release`, { _csrf: csrf, back: 'list', reason: 'on leave tomorrow' });
      expect(released.status).to.equal(303);
      expect(released.location).to.equal(`/tasks?done=released&task=${north.task.id}`);
      expect((await server.imsflow.getTask(north.task.id)).assignee).to.equal(undefined);
      const events = await server.imsflow.store.listAudit({ target: `task:${north.task.id}`, limit: 100 });
      const claim = events.find((e) => e.action === 'task.claimed')!;
      expect(claim).to.include({ actor: 'quinn' });
      expect(claim.new).to.deep.equal({ assignee: 'quinn', candidateRole: 'quality-manager' });
      const release = events.find((e) => e.action === 'task.released')!;
      expect(release).to.include({ actor: 'quinn', reason: 'on leave tomorrow' });
      // releasing what is not mine is a conflict, said on a page
      expectPage(await quinn.post(`/tasks/${north.task.id}/release`, { _csrf: csrf }), 409, /^This cannot be done now/);
    });

    it('delegates to another person only with a reason, keeping the role; audited', async () => {
      const quinn = await browserFor('quinn@example.com');
      const csrf = csrfIn((await quinn.get('/tasks')).text);
      const missing = await quinn.post(`/tasks/${north.task.id}/delegate`, { _csrf: csrf, back: 'list', to: 'bob', reason: '  ' });
      expectPage(missing, 400, /^Tasks/);
      const id = `delegate-${north.task.id}`;
      expect(missing.text).to.include(`<details open><summary>Delegate`);
      expect(textOf(elementById(missing.text, `${id}-reason-error`))).to.equal('Give a reason: it goes into the audit trail.');
      expect(missing.text).to.match(new RegExp(`<textarea [^>]*id="${id}-reason" name="reason" rows="2" maxlength="2000" required aria-invalid="true" aria-describedby="${id}-reason-error">`));
      expect(missing.text).to.include('<option value="bob" selected>');
      const stranger = await quinn.post(`/tasks/${north.task.id}/delegate`, { _csrf: csrf, to: 'sally', reason: 'help' });
      expect(stranger.status).to.equal(400);
      expect(textOf(elementById(stranger.text, `${id}-to-error`))).to.equal('Choose a person from the list.');
      expect((await server.imsflow.getTask(north.task.id)).assignee).to.equal(undefined);

      const done = await quinn.post(`/tasks/${north.task.id}/delegate`, { _csrf: csrf, back: 'list', to: 'bob', reason: '=HYPERLINK("http://evil.example","x"), "quoted"\nsecond line' });
      expect(done.status).to.equal(303);
      expect(done.location).to.equal('/tasks?done=delegated');
      expect(await server.imsflow.getTask(north.task.id)).to.include({ assignee: 'bob', candidateRole: 'quality-manager' });
      const event = (await server.imsflow.store.listAudit({ target: `task:${north.task.id}`, limit: 100 })).find((e) => e.action === 'task.reassigned')!;
      expect(event).to.include({ actor: 'quinn' });
      expect(event.new).to.deep.equal({ assignee: 'bob', candidateRole: 'quality-manager' });
      // bob holds it now: it is in his list, and he gives it back to the role (the role stayed)
      const bob = await browserFor('bob@example.com');
      const list = await bob.get('/tasks');
      expect(list.text).to.include('<h2 id="mine">My tasks (1)</h2>');
      expect((await bob.post(`/tasks/${north.task.id}/release`, { _csrf: csrfIn(list.text) })).status).to.equal(303);
      expect(await server.imsflow.getTask(north.task.id)).to.include({ candidateRole: 'quality-manager' });
    });

    it('filters by process, site and due date, sorts, and marks overdue and due-soon tasks', async () => {
      clock.advance(60_000);
      const later = await start('north', 'second');
      clock.advance(3 * 86_400_000 + 3_600_000); // the first tasks are due in 2 days less an hour: soon
      const soon = await start('north', 'third');
      const quinn = await browserFor('quinn@example.com');
      const order = (html: string) => [...html.matchAll(/<li id="task-([^"]+)"/g)].map((m) => m[1]);

      const byDue = await quinn.get('/tasks?sort=due');
      expect(order(byDue.text)).to.deep.equal([north.task.id, later.task.id, soon.task.id]);
      expect(byDue.text).to.match(new RegExp(`<li id="task-${north.task.id}"[^>]*>(<[^>]+>)*<h3[^>]*><a [^>]*>[^]*?</a>[^]*?<span class="[^"]*badge soon">Due soon</span>[^]*?</h3>`));
      expect((await quinn.get('/tasks?sort=created')).text.indexOf(soon.task.id)).to.be.lessThan((await quinn.get('/tasks?sort=created')).text.indexOf(north.task.id));

      clock.advance(2 * 86_400_000);
      const quinnLater = await browserFor('quinn@example.com');
      const overdue = await quinnLater.get('/tasks?due=overdue');
      expect(order(overdue.text)).to.deep.equal([north.task.id, later.task.id]);
      expect(overdue.text).to.match(/<span class="[^"]*badge overdue">Overdue<\/span>/);
      expect(overdue.text).to.include('<option value="overdue" selected>Overdue</option>');
      expect(overdue.text).to.include('2 tasks shown of 3.');
      // Sunday 2026-05-10 ends this week; "third" is due on the 12th
      const week = await quinnLater.get('/tasks?due=week');
      expect(order(week.text)).to.deep.equal([]);
      const unknownProcess = await quinnLater.get('/tasks?process=nonconformity&site=south');
      expect(order(unknownProcess.text)).to.have.length(3);
      expect((await quinnLater.get('/tasks?process=uiform')).text).to.include('<option value="uiform" selected>Safety inspection</option>');
    });
  });

  describe('the task page: every field type, attachments', () => {
    let record: Awaited<ReturnType<typeof start>>;
    let quinn: Browser;
    let csrf: string;

    before(async () => {
      record = await start('north', 'press 4');
      quinn = await browserFor('quinn@example.com');
      csrf = csrfIn((await quinn.get('/tasks')).text);
    });

    /** The whole form as a browser sends it (multipart), with overrides. */
    function form(overrides: Record<string, string | null> = {}, file?: { bytes: Buffer; name: string; type: string }): FormData {
      const data = new FormData();
      const fields: Record<string, string | null> = {
        _csrf: csrf,
        summary: XSS,
        details: `line one\n${XSS}`,
        count: '12',
        inspectedOn: '2026-05-01',
        outcome: 'fail',
        urgent: 'on',
        owner: 'bob',
        'checks.0.result': 'conforms',
        'checks.0.note': '',
        'checks.1.result': 'nonconforming',
        'checks.1.note': XSS,
        'checks.2.result': 'na',
        'checks.2.note': '',
        ...overrides,
      };
      for (const [key, value] of Object.entries(fields)) if (value !== null) data.append(key, value);
      if (file) data.append('evidence', new Blob([new Uint8Array(file.bytes)], { type: file.type }), file.name);
      else data.append('evidence', new Blob([], { type: 'application/octet-stream' }), '');
      return data;
    }

    it('renders every field type with labels, the checklist as radio groups, and the CSRF token', async () => {
      const page = await quinn.get(`/tasks/${record.task.id}`);
      expectPage(page, 200, /^Inspect press 4/);
      const html = page.text;
      expect(html).to.match(new RegExp(`<form method="post" action="/tasks/${record.task.id}" enctype="multipart/form-data"[^>]*><input type="hidden" name="_csrf" value="${csrf}"/>`));
      const control = (id: string) => new RegExp(`<(input|select|textarea)[^>]* id="${id}"[^>]*>`).exec(html)?.[0] ?? '';
      const labelOf = (id: string) => textOf(new RegExp(`<label[^>]* for="${id}"[^>]*>[^]*?</label>`).exec(html)?.[0] ?? '');
      expect(labelOf('f-summary')).to.equal('Summary (required)');
      expect(control('f-summary')).to.match(/type="text" [^>]*name="summary" value maxlength="10000" required\/>/);
      expect(control('f-details')).to.match(/<textarea [^>]*name="details" rows="5">/);
      expect(control('f-count')).to.match(/type="number" [^>]*name="count" value step="any" inputmode="decimal"\/>/);
      // a date field: an example in the reader's words, not a YYYY-MM-DD pattern the browser's own display may contradict
      expect(control('f-inspectedOn')).to.match(/type="date" [^>]*name="inspectedOn" value aria-describedby="f-inspectedOn-hint"\/>/);
      expect(textOf(elementById(html, 'f-inspectedOn-hint'))).to.equal('A date, for example 29 May 2026.');
      expect(html).to.not.include('YYYY-MM-DD');
      expect(html).to.match(/<select [^>]*id="f-outcome" name="outcome"><option value>Choose…<\/option><option value="pass">Pass<\/option><option value="fail">Fail<\/option><\/select>/);
      expect(control('f-urgent')).to.match(/type="checkbox" id="f-urgent" name="urgent"\/>/);
      expect(labelOf('f-urgent')).to.equal('Urgent');
      expect(html).to.match(/<select [^>]*id="f-owner" name="owner"><option value>Choose a person…<\/option>.*<option value="bob">Bob &lt;img src=x onerror=&quot;alert\(3\)&quot;>?(&gt;)?<\/option>/);
      expect(html).to.not.include('<option value="sally">');
      expect(control('f-evidence')).to.match(/type="file" id="f-evidence" name="evidence" accept="[^"]*application\/pdf[^"]*" aria-describedby="f-evidence-hint"\/>/);
      expect(html).to.match(/<fieldset class="[^"]*checklist" id="f-checks"><legend[^>]*>Safety checks<\/legend>/);
      const row = /<th scope="row" id="f-checks-1">PPE worn<\/th>[^]*?<\/tr>/.exec(html)?.[0] ?? '';
      expect(textOf(/<legend[^>]*>[^<]*<\/legend>/.exec(row)?.[0] ?? '')).to.equal('Result for PPE worn');
      expect([...row.matchAll(/<input [^>]*type="radio" [^>]*name="checks\.1\.result" value="([^"]+)"/g)].map((m) => m[1])).to.deep.equal(['conforms', 'nonconforming', 'na']);
      expect(['f-checks-1-conforms', 'f-checks-1-nonconforming', 'f-checks-1-na'].map(labelOf)).to.deep.equal(['Conforms', 'Does not conform', 'N/A']);
      expect(labelOf('f-checks-1-note')).to.equal('Note on PPE worn');
      expect(control('f-checks-1-note')).to.match(/type="text" id="f-checks-1-note" name="checks\.1\.note" value maxlength="2000"\/>/);
      expect(html).to.match(/<button type="submit"[^>]*>Claim<span class="[^"]*">/);
      // the step is the heading, the record it is about comes next, by its number and title
      expect(html).to.match(/<h1>Inspect press 4<\/h1><p class="[^"]*ims-record-title"><a [^>]*>UIFORM-2026-\d{4}<\/a> · press 4<\/p>/);
    });

    it('refuses an oversized upload (413, the field named next to it) and stores nothing', async () => {
      const before = { files: attachmentFiles(), uploads: (await uploads()).length };
      const page = await quinn.post(`/tasks/${record.task.id}`, form({}, { bytes: pdf('big', 10 * 1024 * 1024 + 1), name: 'big.pdf', type: 'application/pdf' }));
      expectPage(page, 413, /^Inspect press 4/);
      expect(textOf(elementById(page.text, 'f-evidence-error'))).to.equal('Evidence: the file is larger than 10 MiB; nothing was saved.');
      expect(page.text).to.include('aria-invalid="true" aria-describedby="f-evidence-error f-evidence-hint"');
      expect(attachmentFiles()).to.deep.equal(before.files);
      expect((await uploads()).length).to.equal(before.uploads);
      expect((await server.imsflow.getTask(record.task.id)).status).to.equal('open');
    });

    it('refuses a file that is not what it claims, storing nothing', async () => {
      const before = { files: attachmentFiles(), uploads: (await uploads()).length };
      const html = Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>');
      const page = await quinn.post(`/tasks/${record.task.id}`, form({}, { bytes: html, name: 'report.pdf', type: 'application/pdf' }));
      expectPage(page, 400, /^Inspect press 4/);
      expect(textOf(elementById(page.text, 'f-evidence-error'))).to.equal('Evidence: the content of “report.pdf” is not a PDF: it looks like a web page (HTML)');
      expect(page.text).to.include('<a href="#f-evidence">Evidence: the content of');
      // the other values come back, escaped
      expect(page.text).to.include(`value="${XSS.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')}"`);
      expect(page.text).to.match(/<input [^>]*name="checks\.1\.result" value="nonconforming" checked\/>/);
      // an HTML file as such, and an executable renamed .png
      const declared = await quinn.post(`/tasks/${record.task.id}`, form({}, { bytes: html, name: 'page.html', type: 'text/html' }));
      expect(declared.status).to.equal(400);
      expect(declared.text).to.include('Evidence: “page.html” is not a file type that is accepted here');
      const exe = await quinn.post(`/tasks/${record.task.id}`, form({}, { bytes: Buffer.from('MZ\x90\x00\x03\x00\x00\x00binary', 'latin1'), name: 'photo.png', type: 'image/png' }));
      expect(exe.text).to.include('Evidence: the content of “photo.png” is not a PNG image');
      expect(attachmentFiles()).to.deep.equal(before.files);
      expect((await uploads()).length).to.equal(before.uploads);
      expect((await server.imsflow.getTask(record.task.id)).status).to.equal('open');
    });

    it('path tricks in file names never reach the file system', async () => {
      const names = ['../../etc/passwd.pdf', 'C:\\Windows\\system32\\evil.pdf', `${'x'.repeat(5000)}.pdf`, '.hidden.pdf', '\u202egnp.pdf', 'two  spaces\u200b.pdf'];
      const shown: string[] = [];
      for (const [i, name] of names.entries()) {
        const bytes = pdf(`trick ${i}`);
        // summary missing: the form comes back, keeping the checked upload
        const page = await quinn.post(`/tasks/${record.task.id}`, form({ summary: null }, { bytes, name, type: 'application/pdf' }));
        expect(page.status, page.text.slice(0, 500)).to.equal(400);
        const sha = createHash('sha256').update(bytes).digest('hex');
        expect(page.text).to.include(`<input type="hidden" name="evidence.kept" value="${sha}"/>`);
        const upload = (await uploads()).find((e) => e.target === `attachment:${sha}`)!;
        shown.push((upload.new as { name: string }).name);
        expect(readFileSync(join(dir, 'attachments', sha)).equals(bytes)).to.equal(true);
      }
      expect(shown.slice(0, 2)).to.deep.equal(['passwd.pdf', 'evil.pdf']);
      expect(shown[2]).to.have.length(120);
      expect(shown[2].endsWith('.pdf')).to.equal(true);
      expect(shown.slice(3)).to.deep.equal(['hidden.pdf', 'gnp.pdf', 'two spaces.pdf']);
      // a raw NUL in the part header is a malformed body: refused as a whole, nothing stored
      const before = { files: attachmentFiles(), uploads: (await uploads()).length };
      const nul = await quinn.post(`/tasks/${record.task.id}`, form({}, { bytes: pdf('nul'), name: 'nul\u0000byte.pdf', type: 'application/pdf' }));
      expectPage(nul, 400, /^Inspect press 4/);
      expect(nul.text).to.include('the form could not be read');
      expect(attachmentFiles()).to.deep.equal(before.files);
      expect((await uploads()).length).to.equal(before.uploads);
      expect(sanitiseFileName('nul\u0000byte\u001f.pdf')).to.equal('nulbyte.pdf');
      expect(sanitiseFileName('tab\tand\u0007bell\r\n.pdf')).to.equal('tabandbell.pdf');
      for (const file of attachmentFiles()) expect(file).to.match(/^[0-9a-f]{64}$/);
      expect(existsSync(join(dir, 'etc'))).to.equal(false);
      expect(existsSync(join(dir, 'attachments', '..', 'etc'))).to.equal(false);
      expect(sanitiseFileName('a/b\\c<d>:e|f?g*h".txt')).to.equal('c_d__e_f_g_h_.txt');
      expect(sanitiseFileName('..')).to.equal('attachment');
    });

    it('completes with every field type and a real upload, then says what happens next', async () => {
      const bytes = pdf('evidence of the inspection');
      const sha = createHash('sha256').update(bytes).digest('hex');
      const done = await quinn.post(`/tasks/${record.task.id}`, form({}, { bytes, name: 'inspection report.pdf', type: 'application/pdf' }));
      expect(done.status, done.text.slice(0, 1000)).to.equal(303);
      expect(done.location).to.equal(`/tasks/${record.task.id}`);

      expect(createHash('sha256').update(readFileSync(join(dir, 'attachments', sha))).digest('hex')).to.equal(sha);
      const task = await server.imsflow.getTask(record.task.id);
      expect(task).to.include({ status: 'completed', completedBy: 'quinn' });
      expect(task.data).to.deep.equal({
        summary: XSS,
        details: `line one\r\n${XSS}`,
        count: 12,
        inspectedOn: '2026-05-01',
        outcome: 'fail',
        urgent: true,
        owner: 'bob',
        evidence: { sha256: sha, name: 'inspection report.pdf', size: bytes.length, contentType: 'application/pdf' },
        checks: [
          { item: 'guards', result: 'conforms' },
          { item: 'ppe', result: 'nonconforming', note: XSS },
          { item: 'labels', result: 'na' },
        ],
      });

      const confirmation = await quinn.get(done.location!);
      expectPage(confirmation, 200, /^Inspect press 4/);
      expect(textOf(confirmation.text)).to.include(`You completed “Inspect press 4” for ${record.businessKey} · press 4 on`);
      expect(confirmation.text).to.include('the next step has started');
      // what comes next, due on the reader's clock (the installation's UTC here), never as an ISO timestamp
      expect(confirmation.text).to.match(/<h2>What happens next<\/h2><ul[^>]*><li>“Review the inspection”, for the quality manager role, due <time datetime="[^"]+">\d{1,2} \w{3} \d{4}, \d\d:\d\d<\/time><\/li><\/ul>/);
      // posting again (a reload) is no second completion
      expect((await quinn.post(`/tasks/${record.task.id}`, form())).location).to.equal(`/tasks/${record.task.id}`);
    });

    it('the record page shows facts, current step, data per task, attachments and history', async () => {
      const page = await quinn.get(`/records/${record.id}`);
      // the record's title first: its number and what it is about
      expectPage(page, 200, new RegExp(`^${record.businessKey} · press 4`));
      const html = page.text;
      expect(html).to.include(`<h1>${record.businessKey} · press 4</h1><p class="ims-record-tags"><span class="usa-tag ims-tag--status-running">In progress</span>`);
      expect(html).to.include(`<div class="ims-fact"><dt>Record number</dt><dd>${record.businessKey}</dd></div>`);
      expect(html).to.include('<div class="ims-fact"><dt>Process</dt><dd>Safety inspection (version 1)</dd></div>');
      expect(html).to.include('<div class="ims-fact"><dt>Site</dt><dd>North</dd></div>');
      expect(html).to.match(/<h2 id="current-steps">Current step<\/h2><ul class="ims-steps"><li><a href="\/tasks\/[^"]+">Review the inspection<\/a> · held by the quality managers/);
      expect(html).to.include(`<div id="diagram" data-bpmn-url="/api/definitions/uiform/versions/1" data-active="review"></div>`);
      const sha = ((await server.imsflow.getTask(record.task.id)).data!.evidence as { sha256: string }).sha256;
      expect(html).to.include(`<a href="/attachments/${sha}" download>inspection report.pdf</a>`);
      expect(html).to.include('<div class="ims-fact"><dt>Urgent</dt><dd>Yes</dd></div>');
      expect(html).to.include('<div class="ims-fact"><dt>Outcome</dt><dd>Fail</dd></div>');
      // people by name (escaped), never by id
      expect(html).to.include('<div class="ims-fact"><dt>Owner</dt><dd>Bob &lt;img src=x onerror=&quot;alert(3)&quot;></dd></div>');
      expect(html).to.match(/<td data-label="Item">PPE worn<\/td><td data-label="Result">Does not conform<\/td>/);
      // the history as sentences, the action as recorded one click away
      expect(html).to.match(/<th scope="col">#<\/th><th scope="col">When<\/th><th scope="col">What happened<\/th>/);
      expect(html).to.match(/<p class="ims-sentence">Quinn [^<]* completed <strong>Inspect press 4<\/strong>/);
      expect(html).to.match(/<p class="ims-sentence">Quinn [^<]* attached inspection report\.pdf<\/p>/);
      expect(html).to.include('<code>task.completed</code>');
      expect(html).to.include('<code>attachment.uploaded</code>');
      expect(html).to.not.match(/\{&quot;|\{"|\$\{/);
      // escaped by the renderer (components escape < & and " in text; > needs no escaping there)
      expect(html).to.not.include('<script>alert(1)</script>');
      expect(html).to.not.include('<img src=x onerror');
      expect(html).to.include(XSS.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;'));

      const download = await quinn.get(`/attachments/${sha}`);
      expect(download.status).to.equal(200);
      expect(download.type).to.equal('application/pdf');
      expect(download.headers.get('content-disposition')).to.equal('attachment; filename="inspection report.pdf"');
      expect(download.headers.get('x-content-type-options')).to.equal('nosniff');
      expect(createHash('sha256').update(download.bytes).digest('hex')).to.equal(sha);
    });

    it('attachments and records of another site, or of others\' records, are not found (404)', async () => {
      const sha = ((await server.imsflow.getTask(record.task.id)).data!.evidence as { sha256: string }).sha256;
      const sally = await browserFor('sally@example.com');
      expectPage(await sally.get(`/attachments/${sha}`), 404, /^Not found/);
      expectPage(await sally.get(`/records/${record.id}`), 404, /^Not found/);
      const carl = await browserFor('carl@example.com');
      expect((await carl.get(`/attachments/${sha}`)).status).to.equal(404);
      expect((await carl.get(`/records/${record.id}`)).status).to.equal(404);
      // bob is the owner named in the data but holds no task of the record: not his to see either
      expect((await (await browserFor('bob@example.com')).get(`/records/${record.id}`)).status).to.equal(404);
      // the auditor of the site sees it
      expect((await (await browserFor('ann@example.com')).get(`/attachments/${sha}`)).status).to.equal(200);
      // a reference to a file that was never uploaded to a record serves nothing
      expect((await quinn.get(`/attachments/${'0'.repeat(64)}`)).status).to.equal(404);
      expect((await quinn.get('/attachments/..%2F..%2Fetc%2Fpasswd')).status).to.equal(404);
    });

    it('the email-link page renders the same form (multipart for file fields)', async () => {
      const other = await start('north', 'press 5');
      await server.scheduler.runDue();
      const message = (await server.imsflow.store.listMessages({ taskId: other.task.id })).find((m) => m.userId === 'quinn' && m.link)!;
      const page = await http('GET', message.link!);
      expect(page.status).to.equal(200);
      const token = message.link!.slice(message.link!.lastIndexOf('/t/') + 3);
      expect(page.text).to.match(new RegExp(`<form method="post" action="/t/${token}" enctype="multipart/form-data"[^>]*>`));
      expect(page.text).to.match(/<fieldset class="[^"]*checklist" id="f-checks"><legend[^>]*>Safety checks<\/legend>/);
      expect(page.text).to.match(/<option value="bob">Bob &lt;img src=x onerror=&quot;alert\(3\)&quot;>?(&gt;)?<\/option>/);
      // the page names the step and the record it is about, as the signed-in page does
      expect(page.text).to.match(/<h1>Inspect press 5<\/h1><p class="[^"]*ims-record-title">UIFORM-2026-\d{4} · press 5<\/p>/);
      const signedInPage = (await quinn.get(`/tasks/${other.task.id}`)).text;
      const fieldsOf = (html: string) => html.slice(html.indexOf('<label class="usa-label" for="f-summary">'), html.indexOf('Complete task</button>'));
      expect(fieldsOf(page.text)).to.have.length.greaterThan(1000);
      expect(fieldsOf(page.text)).to.equal(fieldsOf(signedInPage));
    });
  });

  describe('the audit trail', () => {
    it('is for auditors, quality managers and admins (403 page for others)', async () => {
      const carl = await browserFor('carl@example.com');
      expectPage(await carl.get('/audit'), 403, /^Not allowed/);
      expect((await carl.get('/audit.csv')).status).to.equal(403);
      expectPage(await (await browserFor('ann@example.com')).get('/audit'), 200, /^Audit trail/);
    });

    it('shows the chain verification first, pages newest first, and filters by record, user and dates', async () => {
      const ann = await browserFor('ann@example.com');
      const page = await ann.get('/audit');
      expect(page.text).to.match(/<main id="main" tabindex="-1"><h1>Audit trail<\/h1><div class="usa-alert usa-alert--slim usa-alert--success notice good" role="status"><div class="usa-alert__body"><p><strong>Audit trail verified:<\/strong> the hash chain of all \d+ events is intact\.<\/p><\/div><\/div>/);
      expect(page.text).to.match(/events match \(of \d+ in the trail\); page 1 of \d+, newest first/);
      expect(page.text).to.include('<a href="/audit?page=2" rel="next">Older events</a>');
      const seqs = (html: string) => [...html.matchAll(/<tr><td data-label="Event">(\d+)<\/td>/g)].map((m) => Number(m[1]));
      const first = seqs(page.text);
      expect(first).to.have.length(50);
      expect(first[0]).to.be.greaterThan(first[49]);
      expect(seqs((await ann.get('/audit?page=2')).text)[0]).to.be.lessThan(first[49]);

      const north = (await server.imsflow.store.listInstances({ sites: ['north'] })).find((i) => i.variables.title === 'press 4')!;
      const byRecord = await ann.get(`/audit?record=${north.businessKey}`);
      const shown = seqs(byRecord.text);
      const expected = (await server.imsflow.store.listAudit({ instanceId: north.id, limit: 10_000 })).map((e) => e.seq).reverse().slice(0, 50);
      expect(shown).to.deep.equal(expected);
      expect(byRecord.text).to.include(`value="${north.businessKey}"`);

      const byUser = await ann.get('/audit?user=quinn&from=2026-05-04&to=2026-05-04');
      const events = (await server.imsflow.store.listAudit({ limit: 1_000_000 })).filter((e) => e.actor === 'quinn' && e.at.startsWith('2026-05-04'));
      expect(seqs(byUser.text)).to.deep.equal(events.map((e) => e.seq).reverse().slice(0, 50));

      // another site's record: its events are not shown to a north auditor
      const south = (await server.imsflow.store.listInstances({ sites: ['south'] }))[0];
      expect(seqs((await ann.get(`/audit?record=${south.businessKey}`)).text)).to.deep.equal([]);

      const bad = await ann.get('/audit?from=2026-13-01&to=yesterday');
      expectPage(bad, 400, /^Audit trail/);
      expect(bad.text).to.include('<span class="usa-error-message" id="audit-from-error">Give the date as YYYY-MM-DD.</span><input type="date" class="usa-input usa-input--error" id="audit-from" name="from" value="2026-13-01" aria-describedby="audit-from-error" aria-invalid="true"/>');
    });

    it('exports the filtered events as CSV: every cell quoted, formulas neutralised', async () => {
      const quinn = await browserFor('quinn@example.com');
      const csv = await quinn.get('/audit.csv?user=quinn');
      expect(csv.status).to.equal(200);
      expect(csv.type).to.equal('text/csv; charset=utf-8');
      expect(csv.headers.get('content-disposition')).to.match(/^attachment; filename="?audit-\d{4}-\d\d-\d\d\.csv"?$/);
      expect(csv.text.startsWith('\ufeff"seq","at","actor","action","target","record","instanceId","reason","old","new","prevHash","hash"\r\n')).to.equal(true);
      const rows = parseCsv(csv.text.slice(1));
      const all = (await server.imsflow.store.listAudit({ limit: 1_000_000 })).filter((e: AuditEvent) => e.actor === 'quinn');
      expect(rows.slice(1).map((r) => Number(r[0]))).to.deep.equal(all.map((e) => e.seq));
      const delegated = rows.find((r) => r[3] === 'task.reassigned')!;
      expect(delegated[7]).to.equal(`'=HYPERLINK("http://evil.example","x"), "quoted"\nsecond line`);
      expect(csv.text).to.include(`"'=HYPERLINK(""http://evil.example"",""x""), ""quoted""\nsecond line"`);
      for (const row of rows) for (const cell of row) expect(cell).to.not.match(/^[=+\-@]/);

      expect(csvCell('+1')).to.equal(`"'+1"`);
      expect(csvCell('-2')).to.equal(`"'-2"`);
      expect(csvCell('@SUM(A1)')).to.equal(`"'@SUM(A1)"`);
      expect(csvCell('\t=1')).to.equal(`"'\t=1"`);
      expect(csvCell('plain, "text"')).to.equal('"plain, ""text"""');
      expect(csvCell({ a: 1 })).to.equal('"{""a"":1}"');
    });
  });

  describe('linked records, multi-instance tasks and clause pickers', () => {
    const AUDIT = fixtureBpmn('uiaudit');
    const FOLLOW_UP = fixtureBpmn('uifollow');
    let quinn: Browser;
    let csrf: string;
    let audit: { id: string; businessKey: string };
    const openTasks = async (instanceId: string) => (await http('GET', api(`/tasks?instance=${instanceId}&status=open`))).json.items as TaskRecord[];

    before(async () => {
      const catalogue = shippedCatalogue();
      server.imsflow.services
        .register('ui-plan', {
          description: 'the chosen clauses as catalogue records',
          run: (context) => ({ clauses: ((context.output.scope as { criteria: string[] }).criteria ?? []).map((id) => catalogue.clause(id)) }),
        })
        .register('ui-raise', {
          description: 'a follow-up per nonconforming clause, and one at another site',
          run(context) {
            const findings = (context.output.check as IterationResult[])
              .filter((r) => r.data.result === 'nonconforming')
              .map((r) => ({ clause: (r.item as { id: string }).id, finding: r.data.finding }));
            for (const f of findings) context.startLinked({ processKey: 'uifollow', variables: { title: f.finding }, label: `Finding ${f.clause}: ${String(f.finding)}` });
            context.startLinked({ processKey: 'uifollow', variables: { title: 'elsewhere' }, label: 'Shared with the south site', site: 'south' });
            return { raised: findings.length + 1, findings };
          },
        });
      for (const xml of [AUDIT, FOLLOW_UP]) {
        const deployed = await http('POST', api('/definitions'), xml, { 'content-type': 'application/xml' });
        expect(deployed.status, deployed.text).to.equal(201);
      }
      const started = await http('POST', api('/processes/uiaudit/instances'), { variables: { title: 'Supplier audit' }, site: 'north' });
      expect(started.status, started.text).to.equal(201);
      audit = started.json;
      quinn = await browserFor('quinn@example.com');
      csrf = csrfIn((await quinn.get('/tasks')).text);
    });

    it('names what an iteration is for: a clause, a finding, an action, or JSON', () => {
      const catalogue = shippedCatalogue();
      expect(iterationLabel(catalogue.clause('7.5.3'), catalogue)).to.equal('Clause 7.5.3 Control of documented information');
      expect(iterationLabel({ clause: '9001:8.4', number: '8.4', title: 'Control of externally provided processes, products and services' }, catalogue)).to.equal(
        'Clause 8.4 Control of externally provided processes, products and services (ISO 9001)',
      );
      expect(iterationLabel({ clause: '7.5.3', title: 'Obsolete SOP in use', severity: 'major' }, catalogue)).to.equal('Clause 7.5.3 Control of documented information: Obsolete SOP in use');
      expect(iterationLabel({ clause: '11.2', number: '11.2', title: 'Site rule' }, catalogue)).to.equal('Clause 11.2 Site rule');
      expect(iterationLabel('9.2', catalogue)).to.equal('Clause 9.2 Internal audit');
      expect(iterationLabel({ title: 'Replace the die', owner: 'bob', due: '2026-06-30' }, catalogue)).to.equal('Replace the die');
      expect(iterationLabel({ label: 'Supplier X' })).to.equal('Supplier X');
      expect(iterationLabel({ lot: 12, plant: 'north' })).to.equal('{"lot":12,"plant":"north"}');
      expect(iterationLabel({ text: 'x'.repeat(400) })).to.have.length(301);
      expect(iterationLabel(null)).to.equal('');
      // in the reader's words: the standards' German "Abschnitt", French "article"
      const words = new MessageCatalogue([PAGE_MESSAGES]);
      for (const [locale, expected] of [['de-CH', 'Abschnitt 9.2'], ['fr-FR', 'Article 9.2']]) {
        const reader = readerFor(words, locale);
        expect(iterationLabel('9.2', catalogue, (clause) => reader.t('taskForm.clause', { clause }))).to.match(new RegExp(`^${expected} `));
      }
    });

    it('renders a clauses field as checkboxes grouped by chapter, with each clause\'s standards', async () => {
      const [scope] = await openTasks(audit.id);
      const page = await quinn.get(`/tasks/${scope.id}`);
      expectPage(page, 200, /^Choose the audit criteria/);
      const html = page.text;
      // no file field: a plain urlencoded form
      expect(html).to.match(new RegExp(`<form method="post" action="/tasks/${scope.id}"( class="[^"]*")?><input type="hidden" name="_csrf" value="${csrf}"/>`));
      expect(html).to.match(/<fieldset class="[^"]*clauses" id="f-criteria" aria-describedby="f-criteria-hint"><legend[^>]*>Audit criteria \(required\)<\/legend>/);
      const catalogue = shippedCatalogue();
      const box = (id: string) => `f-criteria-${catalogue.records.findIndex((r) => r.id === id)}`;
      // chapter 7 heads its own group and can be chosen as a whole
      expect(html).to.include(
        `<fieldset class="usa-fieldset chapter"><legend><input type="checkbox" id="${box('7')}" name="criteria" value="7"/> <label for="${box('7')}">7 Support <span class="usa-hint hint std">ISO 9001, ISO 14001, ISO 45001</span></label></legend>`,
      );
      expect(html).to.include(
        `<li class="depth-2"><input type="checkbox" id="${box('7.5.3')}" name="criteria" value="7.5.3"/> <label for="${box('7.5.3')}">7.5.3 Control of documented information <span class="usa-hint hint std">ISO 9001, ISO 14001, ISO 45001</span></label></li>`,
      );
      // a clause one standard adds is named with its standard: 8.2 means different things
      expect(html).to.include(`<label for="${box('14001:8.2')}">8.2 Emergency preparedness and response <span class="usa-hint hint std">ISO 14001</span></label>`);
      // chapters 4 … 10 in order, clauses in number order within a chapter
      const legends = [...html.matchAll(/<fieldset class="[^"]*chapter"><legend><input type="checkbox" id="[^"]+" name="criteria" value="([^"]+)"\/>/g)].map((m) => m[1]);
      expect(legends).to.deep.equal(['4', '5', '6', '7', '8', '9', '10']);
      const chapter8 = html.slice(html.indexOf('value="8"/>'), html.indexOf('value="9"/>'));
      const values = [...chapter8.matchAll(/name="criteria" value="([^"]+)"/g)].map((m) => m[1]);
      expect(values.slice(0, 6)).to.deep.equal(['8.1', '45001:8.1.2', '45001:8.1.3', '45001:8.1.4', '9001:8.2', '14001:8.2']);
      expect(html.match(/name="criteria"/g)).to.have.length(catalogue.records.length);
    });

    it('an unknown clause is a field error, and the ticked boxes stay ticked', async () => {
      const [scope] = await openTasks(audit.id);
      const body = new URLSearchParams([['_csrf', csrf], ['criteria', '9001:8.4'], ['criteria', '99.9'], ['note', 'first try']]);
      const page = await quinn.post(`/tasks/${scope.id}`, body);
      expectPage(page, 400, /^Choose the audit criteria/);
      expect(page.text).to.include('<a href="#f-criteria">Audit criteria: these clauses are not in the catalogue: 99.9.</a>');
      expect(page.text).to.match(/<fieldset class="[^"]*clauses" id="f-criteria" aria-describedby="f-criteria-error f-criteria-hint"><legend[^>]*>Audit criteria \(required\)<\/legend><p class="[^"]*hint" id="f-criteria-hint">Choose the clauses that apply; a chapter can be chosen as a whole by its heading\.<\/p>/);
      expect(textOf(elementById(page.text, 'f-criteria-error'))).to.equal('Audit criteria: these clauses are not in the catalogue: 99.9.');
      expect(page.text).to.match(/name="criteria" value="9001:8\.4" checked\/>/);
      expect(page.text).to.match(/name="criteria" value="7\.5\.3"\/>/);
      expect(page.text).to.include('value="first try"');
      // none at all, for a required field
      const none = await quinn.post(`/tasks/${scope.id}`, new URLSearchParams([['_csrf', csrf]]));
      expect(none.status).to.equal(400);
      expect(textOf(elementById(none.text, 'f-criteria-error'))).to.equal('Audit criteria: choose at least one clause, it is required.');
      expect((await server.imsflow.getTask(scope.id)).status).to.equal('open');
    });

    it('completes the clauses through the form, and the record shows them by number and title', async () => {
      const [scope] = await openTasks(audit.id);
      const body = new URLSearchParams([['_csrf', csrf], ['criteria', '7.5.3'], ['criteria', '9001:8.4']]);
      const done = await quinn.post(`/tasks/${scope.id}`, body);
      expect(done.status, done.text.slice(0, 2000)).to.equal(303);
      expect((await server.imsflow.getTask(scope.id)).data).to.deep.equal({ criteria: ['7.5.3', '9001:8.4'] });
      const record = await quinn.get(`/records/${audit.id}`);
      expectPage(record, 200, /^UAUD-/);
      expect(record.text).to.include(
        '<dt>Audit criteria</dt><dd><ul class="values"><li>7.5.3 Control of documented information</li><li>8.4 Control of externally provided processes, products and services (ISO 9001)</li></ul></dd>',
      );
    });

    it('shows which clause an iteration is for, on its form and on the record', async () => {
      const tasks = await openTasks(audit.id);
      expect(tasks.map((t) => t.name).sort()).to.deep.equal(['Audit 7.5.3', 'Audit 8.4']);
      const iso = tasks.find((t) => t.name === 'Audit 8.4')!;
      const docs = tasks.find((t) => t.name === 'Audit 7.5.3')!;
      const form = await quinn.get(`/tasks/${docs.id}`);
      expect(form.text).to.include('<p class="iteration"><strong>For:</strong> Clause 7.5.3 Control of documented information</p>');
      const running = await quinn.get(`/records/${audit.id}`);
      expect(running.text).to.include(`<a href="/tasks/${iso.id}">Audit 8.4</a> (for Clause 8.4 Control of externally provided processes, products and services (ISO 9001)) · held by the quality managers`);

      await server.imsflow.completeTask(docs.id, { result: 'conforms' }, 'quinn');
      await server.imsflow.completeTask(iso.id, { result: 'nonconforming', finding: 'Supplier approval lapsed' }, 'quinn');
      const record = await quinn.get(`/records/${audit.id}`);
      const section = (name: string) => {
        const at = record.text.indexOf(`>${name}</h3>`);
        return record.text.slice(at, record.text.indexOf('</section>', at));
      };
      expect(section('Audit 8.4')).to.include(
        '<p class="iteration">For: Clause 8.4 Control of externally provided processes, products and services (ISO 9001)</p><dl class="ims-factlist"><div class="ims-fact"><dt>Result</dt><dd>Nonconforming</dd></div><div class="ims-fact"><dt>Finding</dt><dd>Supplier approval lapsed</dd></div></dl>',
      );
      expect(section('Audit 7.5.3')).to.include('<p class="iteration">For: Clause 7.5.3 Control of documented information</p>');
      // what the automatic steps produced, lists of objects included, in words and named as in the diagram: no keys, no JSON
      expect(record.text).to.include('<h2 id="automatic">Results of automatic steps</h2>');
      expect(record.text).to.include(
        '<h3>Raise follow-ups &amp; more</h3><dl class="ims-factlist"><div class="ims-fact"><dt>Raised</dt><dd>2</dd></div><div class="ims-fact ims-fact--wide"><dt>Findings</dt><dd><ul class="values"><li><dl class="ims-factlist"><div class="ims-fact"><dt>Clause</dt><dd>8.4 Control of externally provided processes, products and services (ISO 9001)</dd></div><div class="ims-fact"><dt>Finding</dt><dd>Supplier approval lapsed</dd></div></dl></li></ul></dd></div></dl>',
      );
      expect(record.text).to.match(/<h3>Look up the clauses<\/h3><dl class="ims-factlist"><div class="ims-fact ims-fact--wide"><dt>Clauses<\/dt><dd><div class="ims-table-scroll"><table [^>]*><thead><tr><th scope="col">Id<\/th>/);
      expect(record.text).to.not.match(/\{&quot;|\{"|\$\{/);
    });

    it('shows linked records on both sides; one of another site is named, not linked', async () => {
      const parent = await server.imsflow.getInstance(audit.id);
      expect(parent.status).to.equal('completed');
      const [north, south] = parent.links ?? [];
      expect([north.rel, north.label, south.label]).to.deep.equal(['started', 'Finding 9001:8.4: Supplier approval lapsed', 'Shared with the south site']);

      const page = await quinn.get(`/records/${audit.id}`);
      const html = page.text;
      const table = html.slice(html.indexOf('<h2 id="linked">'), html.indexOf('<h2 id="current-steps">'));
      expect(table).to.include('<h2 id="linked">Linked records</h2>');
      expect(table).to.include(`<caption class="usa-sr-only">Records linked to ${audit.businessKey}</caption>`);
      expect(table).to.include('<th scope="col">Record</th><th scope="col">Process</th><th scope="col">About</th><th scope="col">Status</th><th scope="col">Since</th>');
      // the process by its name, the status in words
      expect(table).to.include(
        `<tr><th scope="row" data-label="Record">Raised <a href="/records/${north.instanceId}">${north.businessKey}</a></th><td data-label="Process">UI follow-up</td><td data-label="About">Finding 9001:8.4: Supplier approval lapsed</td><td data-label="Status">In progress<span class="hint"> (at Handle Supplier approval lapsed)</span></td><td data-label="Since"><time datetime="${north.at}">`,
      );
      // the south record: quinn (north) is told it exists, as the link on this record says, but not where it stands
      expect(table).to.include(`<tr><th scope="row" data-label="Record">Raised ${south.businessKey}</th><td data-label="Process">UI follow-up</td><td data-label="About">Shared with the south site</td><td data-label="Status"><span class="hint">not visible to you</span></td>`);
      expect(table).to.not.include(`href="/records/${south.instanceId}"`);
      // the linked section comes before the current steps
      expect(html.indexOf('<h2 id="linked">')).to.be.below(html.indexOf('<h2 id="current-steps">'));

      // the other side: raised by the audit, which is completed
      const child = await quinn.get(`/records/${north.instanceId}`);
      expectPage(child, 200, new RegExp(`^${north.businessKey}`));
      expect(child.text).to.include(
        `<tr><th scope="row" data-label="Record">Raised by <a href="/records/${audit.id}">${audit.businessKey}</a></th><td data-label="Process">UI audit</td><td data-label="About">Finding 9001:8.4: Supplier approval lapsed</td><td data-label="Status">Completed</td>`,
      );
      // sally (south) sees her record raised by an audit she may not open
      const sally = await browserFor('sally@example.com');
      const southPage = await sally.get(`/records/${south.instanceId}`);
      expectPage(southPage, 200, new RegExp(`^${south.businessKey}`));
      expect(southPage.text).to.include(`<tr><th scope="row" data-label="Record">Raised by ${audit.businessKey}</th><td data-label="Process">UI audit</td><td data-label="About">Shared with the south site</td><td data-label="Status"><span class="hint">not visible to you</span></td>`);
      expect(southPage.text).to.not.include(`href="/records/${audit.id}"`);
      // a record without links has no such section
      expect((await quinn.get(`/records/${(await start('north', 'unlinked')).id}`)).text).to.not.include('Linked records');
    });
  });

  describe('upload checks', () => {
    it('accepts each allowed type by its content, not its name', () => {
      const zip = (entries: string) => Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.from(`[Content_Types].xml ${entries}`)]);
      const cases: [Buffer, string, string, string | false][] = [
        [pdf('x'), 'a.pdf', 'application/pdf', 'application/pdf'],
        [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2]), 'a.png', 'image/png', 'image/png'],
        [Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1]), 'a.JPG', 'application/octet-stream', 'image/jpeg'],
        [Buffer.from('plain text\n'), 'a.txt', 'text/plain', 'text/plain'],
        [Buffer.from('a,b\n1,2\n'), 'a.csv', 'application/vnd.ms-excel', 'text/csv'],
        [zip('word/document.xml'), 'a.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
        [zip('xl/workbook.xml'), 'a.xlsx', '', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
        [zip('word/document.xml'), 'a.xlsx', '', false],
        [Buffer.from('PK\x03\x04 plain zip', 'latin1'), 'a.docx', '', false],
        [Buffer.from([0, 1, 2, 3]), 'a.txt', 'text/plain', false],
        [Buffer.from('<svg onload=alert(1)>'), 'a.txt', 'text/plain', false],
        [pdf('x'), 'a.exe', 'application/x-msdownload', false],
        [Buffer.alloc(0), 'a.pdf', 'application/pdf', false],
      ];
      for (const [buffer, originalname, mimetype, expected] of cases) {
        const result = checkUpload({ buffer, originalname, mimetype });
        expect(result.ok ? result.ref.contentType : false, `${originalname} ${mimetype}`).to.equal(expected);
      }
    });
  });
});
