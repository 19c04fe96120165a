import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Email } from 'postal-mime';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../../api/server.js';
import { FakeClock } from '../../../engine/kernel/clock.js';
import { describeRefusal, TaskLinkSigner, resolveLink } from '../../../engine/features/task-links/index.js';
import type { LinkTokenRecord, TaskRecord, UserRecord } from '../../../engine/kernel/model.js';
import { loadConfig } from '../../../engine/boot/config.js';
import { DAY, fixtureBpmn, TEST_SECRET } from '../../helpers.js';
import { TestSmtpServer } from '../../support/smtp.js';
import { FORM_BODY, http, type Reply } from '../../support/http.js';
import { signInOperator } from '../../support/operator.js';

/**
 * Task links end to end: a real SMTP server receives the emails, the link is taken from the email and
 * opened on a listening server (SQLite file, fake clock), the form is posted as a browser posts it.
 */

const HOSTILE_NAME = `Quinn <img src=x onerror="alert('qm')"> & Co`;


/** Posts a form the way a browser does: urlencoded strings, a ticked checkbox sends "on". */
function postForm(url: string, fields: Record<string, string>): Promise<Reply> {
  return http('POST', url, new URLSearchParams(fields).toString(), FORM_BODY);
}

function titleOf(html: string): string {
  return /<title>([^<]*)<\/title>/.exec(html)?.[1] ?? '';
}

/** A page a person can read: HTML with a language, a title and a heading that says the same. */
function expectReadablePage(reply: Reply, status: number, title: RegExp): void {
  expect(reply.status, reply.text).to.equal(status);
  expect(reply.type).to.match(/^text\/html/);
  expect(reply.text).to.match(/^<!doctype html><html lang="en(-GB)?">/);
  expect(titleOf(reply.text)).to.match(title);
  expect(/<h1>([^<]*)<\/h1>/.exec(reply.text)?.[1]).to.match(title);
}

function addresses(email: Email): string[] {
  return (email.to ?? []).map((a) => ('address' in a ? String(a.address) : ''));
}

/** The task link in an email: the text part's link, which the HTML part's only anchor must match. */
function linkIn(email: Email): string {
  const fromText = /Open the task: (\S+)/.exec(email.text ?? '')?.[1];
  expect(fromText, `no link in: ${email.text}`).to.be.a('string');
  const hrefs = [...(email.html ?? '').matchAll(/href="([^"]*)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
  expect(hrefs).to.deep.equal([fromText]);
  return fromText!;
}

function tokenOf(link: string): string {
  return link.slice(link.lastIndexOf('/t/') + 3);
}

/** One character of `text` at `index` replaced by another character of the base64url alphabet. */
function changeOne(text: string, index: number): string {
  const replacement = text[index] === 'A' ? 'B' : 'A';
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

const ASSESS_FORM = { severity: 'major', containment: 'Lot 12 quarantined', actionNeeded: 'on' };

describe('task links from emails (real SMTP server, listening HTTP server, SQLite, fake clock)', () => {
  let dir: string;
  let smtp: TestSmtpServer;
  let server: RunningServer;
  let clock: FakeClock;
  const api = (path: string) => `${server.url}/api${path}`;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imsflow-links-'));
    smtp = await new TestSmtpServer().start();
    clock = new FakeClock('2026-05-04T07:00:00Z');
    server = await startServer(loadConfig({ PORT: '0', IMSFLOW_DATA: dir, SMTP_URL: smtp.url }), { clock, logger: pino({ level: 'silent' }) });
    await signInOperator(server);
    const users = [
      { id: 'qm1', email: 'quinn@example.com', name: HOSTILE_NAME, roles: ['quality-manager'] },
      { id: 'bob', email: 'bob@example.com', name: 'Bob Owner', roles: ['production'] },
      { id: 'carol', email: 'carol@example.com', name: 'Carol Deputy', roles: ['quality-manager'] },
    ];
    for (const { id, ...user } of users) expect((await http('PUT', api(`/users/${id}`), user)).status).to.equal(200);
  });
  after(async () => {
    await server?.close();
    await smtp?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Runs due jobs and returns the emails about one record (business key) that arrived since `from`: there
   * must be `count` of them. Reminders of other records may arrive meanwhile; they are left aside.
   */
  async function arrived(from: number, businessKey: string, count: number): Promise<Email[]> {
    await server.scheduler.runDue();
    await smtp.waitFor(from + count);
    const about = smtp.received.slice(from).filter((e) => e.subject?.includes(`(${businessKey}`));
    expect(about.map((e) => e.subject)).to.have.length(count);
    return about;
  }

  /** Starts a nonconformity for bob (or another process) and returns its task and the link emailed to `to`. */
  async function startWithLink(to = 'quinn@example.com', process = 'nonconformity'): Promise<{ instanceId: string; task: TaskRecord; link: string; emails: Email[] }> {
    const before = smtp.received.length;
    const started = await http('POST', api(`/processes/${process}/instances`), { variables: { owner: 'bob', title: 'Scratched vial, lot 12', description: 'Found at the goods-in inspection.' } });
    expect(started.status).to.equal(201);
    const [task] = (await http('GET', api(`/tasks?instance=${started.json.id}&status=open`))).json.items as TaskRecord[];
    // the role has two holders: each gets a message with a link of their own
    const emails = await arrived(before, started.json.businessKey, 2);
    expect(emails.map((e) => addresses(e)[0]).sort()).to.deep.equal(['carol@example.com', 'quinn@example.com']);
    const email = emails.find((e) => addresses(e)[0] === to)!;
    return { instanceId: started.json.id, task, link: linkIn(email), emails };
  }

  const taskOf = async (id: string): Promise<TaskRecord> => (await http('GET', api(`/tasks/${id}`))).json;
  const completions = async (taskId: string) => (await server.imsflow.store.listAudit({ target: `task:${taskId}`, limit: 1000 })).filter((e) => e.action === 'task.completed');

  describe('the happy path: email → link → form → next task', () => {
    let firstLink: string;
    let assess: TaskRecord;
    let instanceId: string;

    it('emails "New task" to the role holders as text and HTML, escaping hostile names', async () => {
      // the requester: the operator who starts instances through the API
      expect((await http('PUT', api('/users/operator'), { email: 'requester@example.com', name: 'Rita Requester', roles: ['admin'] })).status).to.equal(200);
      const started = await startWithLink();
      ({ task: assess, link: firstLink, instanceId } = started);
      const email = started.emails.find((e) => addresses(e)[0] === 'quinn@example.com')!;
      expect(email.subject).to.equal(`New task: Assess and contain (${assess.businessKey} · Scratched vial, lot 12)`);
      expect(email.text).to.include(`Hello ${HOSTILE_NAME},`);
      expect(email.text).to.include('A task is waiting for your role (quality manager).');
      expect(email.text).to.include('Due: 9 May 2026, 07:00');
      expect(email.html).to.include(`Hello Quinn &lt;img src=x onerror=&quot;alert('qm')&quot;> &amp; Co,`);
      expect(email.html).to.not.include('<img');
      expect(email.html).to.include(`>${assess.businessKey} · Scratched vial, lot 12</td>`);
      expect(firstLink.startsWith(`${server.url}/t/`)).to.equal(true);
      // carol's link is another token for the same task
      const carols = linkIn(started.emails.find((e) => addresses(e)[0] === 'carol@example.com')!);
      expect(carols).to.not.equal(firstLink);
      const messages = (await http('GET', api(`/outbox?task=${assess.id}`))).json.items;
      expect(messages.map((m: { status: string; kind: string }) => [m.kind, m.status])).to.deep.equal([
        ['assigned', 'sent'],
        ['assigned', 'sent'],
      ]);
    });

    it('opens the form from the link, showing the task and its fields', async () => {
      const page = await http('GET', firstLink);
      expectReadablePage(page, 200, /^Assess and contain/);
      expect(page.text).to.include(assess.businessKey);
      // due on the link's person's clock (the installation's UTC here), in words, not as an ISO timestamp
      expect(page.text).to.include('Due <time datetime="2026-05-09T07:00:00.000Z">9 May 2026, 07:00</time>');
      expect(page.text).to.match(new RegExp(`<form method="post" action="/t/${tokenOf(firstLink)}"( class="[^"]*")?>`));
      expect(page.text).to.match(/<label [^>]*for="f-severity">Severity \(required\)<\/label>/);
      expect(page.text).to.match(/<select [^>]*id="f-severity" name="severity" required>.*<option value="major">Major<\/option>/);
      expect(page.text).to.match(/<textarea [^>]*id="f-containment" name="containment" rows="5" required>/);
      expect(page.text).to.match(/<input [^>]*type="checkbox" id="f-actionNeeded" name="actionNeeded"\/>/);
      // opening is not using: the link still works, the task is still open
      expect((await http('GET', firstLink)).status).to.equal(200);
      expect((await taskOf(assess.id)).status).to.equal('open');
    });

    it('a form with errors comes back with the values, and the link stays usable', async () => {
      const page = await postForm(firstLink, { severity: 'catastrophic', containment: '<b>kept</b>' });
      expectReadablePage(page, 400, /^Assess and contain/);
      expect(page.text).to.include('Please correct 1 field.');
      expect(page.text).to.include('aria-invalid="true" aria-describedby="f-severity-error"');
      expect(page.text).to.match(/&lt;b(>|&gt;)kept&lt;\/b(>|&gt;)<\/textarea>/);
      expect((await taskOf(assess.id)).status).to.equal('open');
      expect((await http('GET', firstLink)).status).to.equal(200);
    });

    it('posting the form completes the task as the link\'s person and shows a confirmation', async () => {
      const page = await postForm(firstLink, ASSESS_FORM);
      expectReadablePage(page, 200, /^Thank you/);
      expect(page.text).to.match(new RegExp(`“Assess and contain” for ${assess.businessKey}( · [^<]*)? is complete\\.`));
      expect(page.text).to.include('the next step has started');
      const done = await taskOf(assess.id);
      expect(done).to.include({ status: 'completed', completedBy: 'qm1' });
      expect(done.data).to.deep.equal({ severity: 'major', containment: 'Lot 12 quarantined', actionNeeded: true });
      const tokens = await server.imsflow.store.listLinkTokens(assess.id);
      const used = tokens.filter((t) => t.usedAt);
      expect(used).to.have.length(1);
      expect(used[0].userId).to.equal('qm1');
      expect(used[0].revokedAt).to.equal(undefined);
      // carol's link went with the completion
      expect(tokens.filter((t) => !t.usedAt).map((t) => t.revokedReason)).to.deep.equal(['task completed']);
    });

    it('emails the next task to its holder with a working link, and tells the requester', async () => {
      const before = smtp.received.length;
      const emails = await arrived(before, assess.businessKey, 2);
      const toBob = emails.find((e) => addresses(e)[0] === 'bob@example.com')!;
      expect(toBob.subject).to.equal(`New task: Take corrective action (${assess.businessKey} · Scratched vial, lot 12)`);
      expect(toBob.text).to.include('A task has been assigned to you.');
      const bobsLink = linkIn(toBob);
      expect(bobsLink).to.not.equal(firstLink);
      const page = await http('GET', bobsLink);
      expectReadablePage(page, 200, /^Take corrective action/);
      for (const key of ['cause', 'actionTaken', 'completedOn']) expect(page.text).to.include(`name="${key}"`);

      const toRequester = emails.find((e) => addresses(e)[0] === 'requester@example.com')!;
      expect(toRequester.subject).to.equal(`Completed: Assess and contain (${assess.businessKey} · Scratched vial, lot 12)`);
      // who completed it, by name (escaped in the HTML), not by user id
      expect(toRequester.text).to.include(`which you started, has been completed by ${HOSTILE_NAME}.`);
      expect(toRequester.text).to.not.include('/t/');
      expect(toRequester.html).to.not.include('href=');
      const messages = (await http('GET', api(`/outbox?task=${assess.id}`))).json.items;
      expect(messages.filter((m: { kind: string }) => m.kind === 'completed').map((m: { to: string; status: string }) => [m.to, m.status])).to.deep.equal([
        ['requester@example.com', 'sent'],
      ]);
      const act = (await http('GET', api(`/tasks?instance=${instanceId}&status=open`))).json.items;
      expect(act.map((t: TaskRecord) => [t.elementId, t.assignee])).to.deep.equal([['act', 'bob']]);
    });

    it('a used link, opened or posted again, says so (410) and completes nothing', async () => {
      for (const reply of [await http('GET', firstLink), await postForm(firstLink, { ...ASSESS_FORM, severity: 'minor' })]) {
        expectReadablePage(reply, 410, /^This link has been used/);
        expect(reply.text).to.include('Each link can complete a task once.');
      }
      expect(await completions(assess.id)).to.have.length(1);
      expect((await taskOf(assess.id)).data).to.include({ severity: 'major' });
      const open = (await http('GET', api(`/tasks?instance=${instanceId}&status=open`))).json.items;
      expect(open.map((t: TaskRecord) => t.elementId)).to.deep.equal(['act']);
    });
  });

  describe('links that must not open the task', () => {
    it('a token with any character changed is "not valid" (400)', async () => {
      const { task, link } = await startWithLink();
      const token = tokenOf(link);
      const dot = token.indexOf('.');
      const base = link.slice(0, link.length - token.length);
      const variants = [
        changeOne(token, token.length - 5), // signature
        changeOne(token, dot + 1), // signature, first character
        changeOne(token, 10), // claims
        changeOne(token, dot - 3), // claims, near the end
      ];
      for (const variant of variants) {
        expect(variant).to.not.equal(token);
        for (const reply of [await http('GET', base + variant), await postForm(base + variant, ASSESS_FORM)]) {
          expectReadablePage(reply, 400, /^This link is not valid/);
          expect(reply.text).to.include('changed after it was sent');
        }
      }
      // a claim rewritten to another task and signed with another key is as good as tampered
      const claims = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
      const forged = new TaskLinkSigner(Buffer.alloc(32, 1)).sign({ id: claims.i, taskId: claims.t, userId: 'carol', expiresAt: '2099-01-01T00:00:00Z' });
      expectReadablePage(await postForm(base + forged, ASSESS_FORM), 400, /^This link is not valid/);
      // damaged links
      for (const damaged of ['nothing', `${token}.x`, token.slice(0, dot + 1), 'a'.repeat(1200)]) {
        expectReadablePage(await http('GET', base + damaged), 400, /^This link is not valid/);
      }
      // signed by this server but never issued: the record check refuses it
      const unissued = server.assembly.links.sign({ id: 'no-such-token', taskId: task.id, userId: 'qm1', expiresAt: '2099-01-01T00:00:00Z' });
      const reply = await postForm(base + unissued, ASSESS_FORM);
      expectReadablePage(reply, 400, /^This link is not valid/);
      expect(reply.text).to.include('not issued by this server');

      expect((await taskOf(task.id)).status).to.equal('open');
      expect(await completions(task.id)).to.have.length(0);
      expect((await http('GET', link)).status).to.equal(200);
    });

    it('a link past policy.linkValidity has "expired" (410), to the millisecond', async () => {
      expect(server.imsflow.policy.linkValidity).to.equal('P30D');
      // Reminders over the month would only keep the mail server busy: the others are cancelled, and this
      // one has no due date.
      for (const other of (await http('GET', api('/instances?status=running'))).json.items) {
        expect((await http('POST', api(`/instances/${other.id}/cancel`), { reason: 'not needed by the expiry test' })).status).to.equal(200);
      }
      const xml = fixtureBpmn('nodue');
      expect((await http('POST', api('/definitions'), xml, { 'content-type': 'application/xml' })).status).to.equal(201);
      const { task, link } = await startWithLink('quinn@example.com', 'nodue');
      const [token] = (await server.imsflow.store.listLinkTokens(task.id)).filter((t) => t.userId === 'qm1');
      expect(Date.parse(token.expiresAt) - clock.now().getTime()).to.equal(30 * DAY);
      clock.advance(30 * DAY - 1);
      expect((await http('GET', link)).status).to.equal(200);
      clock.advance(1);
      for (const reply of [await http('GET', link), await postForm(link, {})]) {
        expectReadablePage(reply, 410, /^This link has expired/);
        expect(reply.text).to.include('Sign in to find the task');
      }
      expect((await taskOf(task.id)).status).to.equal('open');
      expect(await completions(task.id)).to.have.length(0);
    });

    it('a reassigned task\'s link is "no longer valid" (410), and the new holder gets one', async () => {
      const { task, link } = await startWithLink();
      const patched = await http('PATCH', api(`/tasks/${task.id}`), { assignee: 'bob', reason: 'quality managers are at the audit' });
      expect(patched.status).to.equal(200);
      expect(patched.json).to.include({ assignee: 'bob', status: 'open' });
      for (const reply of [await http('GET', link), await postForm(link, ASSESS_FORM)]) {
        expectReadablePage(reply, 410, /^This link is no longer valid/);
        expect(reply.text).to.include('reassigned or cancelled since this email was sent');
      }
      expect((await taskOf(task.id)).status).to.equal('open');
      expect(await completions(task.id)).to.have.length(0);
      // The quality managers' links are revoked (bob's own, if the background scheduler already sent it, is not).
      const revoked = (await server.imsflow.store.listLinkTokens(task.id)).filter((t) => t.userId !== 'bob').map((t) => t.revokedReason);
      expect(revoked).to.deep.equal(['reassigned: quality managers are at the audit', 'reassigned: quality managers are at the audit']);

      const before = smtp.received.length;
      const [toBob] = await arrived(before, task.businessKey, 1);
      expect(addresses(toBob)).to.deep.equal(['bob@example.com']);
      expect(toBob.text).to.include('A task has been assigned to you.');
      const page = await postForm(linkIn(toBob), ASSESS_FORM);
      expectReadablePage(page, 200, /^Thank you/);
      expect((await taskOf(task.id)).completedBy).to.equal('bob');
    });

    it('a link of a task completed through the API is refused (410)', async () => {
      const { instanceId, task, link } = await startWithLink();
      const asQm = { 'content-type': 'application/json', authorization: `Bearer ${(await server.accounts.createApiToken('qm1', 'test', 'test')).token}` };
      const done = await http('POST', api(`/tasks/${task.id}/complete`), { data: { severity: 'minor', containment: 'reworked', actionNeeded: true } }, asQm);
      expect(done.status).to.equal(200);
      for (const reply of [await http('GET', link), await postForm(link, { ...ASSESS_FORM, severity: 'critical' })]) {
        expectReadablePage(reply, 410, /^This link is no longer valid/);
      }
      expect(await completions(task.id)).to.have.length(1);
      expect((await taskOf(task.id)).data).to.include({ severity: 'minor' });
      const open = (await http('GET', api(`/tasks?instance=${instanceId}&status=open`))).json.items;
      expect(open.map((t: TaskRecord) => t.elementId)).to.deep.equal(['act']);
    });

    it('a link of a cancelled instance is refused (410)', async () => {
      const { instanceId, task, link } = await startWithLink();
      expect((await http('POST', api(`/instances/${instanceId}/cancel`), { reason: 'reported twice' })).status).to.equal(200);
      const reply = await postForm(link, ASSESS_FORM);
      expectReadablePage(reply, 410, /^This link is no longer valid/);
      expect(reply.text).to.include('cancelled since this email was sent');
      expect((await taskOf(task.id)).status).to.equal('cancelled');
    });

    it('a double-clicked form completes the task once, and both answers are pages', async () => {
      const { task, link } = await startWithLink();
      const replies = await Promise.all([postForm(link, ASSESS_FORM), postForm(link, ASSESS_FORM), postForm(link, ASSESS_FORM)]);
      expect(replies.filter((r) => r.status === 200)).to.have.length(1);
      for (const reply of replies.filter((r) => r.status !== 200)) expectReadablePage(reply, 410, /^This link has been used/);
      expect(await completions(task.id)).to.have.length(1);
    });

    it('a task blocked by an incident answers with a page and stays open', async () => {
      const xml = fixtureBpmn('twoways');
      expect((await http('POST', api('/definitions'), xml, { 'content-type': 'application/xml' })).status).to.equal(201);
      const before = smtp.received.length;
      const started = await http('POST', api('/processes/twoways/instances'), {});
      const emails = await arrived(before, started.json.businessKey, 2);
      const links = Object.fromEntries(emails.map((e) => [/New task: (.*) \(/.exec(e.subject ?? '')?.[1], linkIn(e)]));
      // 7 is no ISO duration: the timer fails and the instance has an incident
      expectReadablePage(await postForm(links['Set the wait'], { n: '7' }), 200, /^Thank you/);
      const page = await postForm(links['Sign off'], { ok: 'on' });
      expectReadablePage(page, 409, /^This task cannot be completed now/);
      expect(page.text).to.include('has an open incident');
      const [signOff] = (await http('GET', api(`/tasks?instance=${started.json.id}&status=open`))).json.items;
      expect(signOff).to.include({ elementId: 'a', status: 'open' });
      // the link was not used up: it works once the incident is resolved
      expect((await http('GET', links['Sign off'])).status).to.equal(200);
    });
  });

  // Last in this file's server: it changes quinn's roles and deactivates carol.
  describe('off-boarding closes every door', () => {
    it('refuses the link of someone whose new role no longer holds the task (403)', async () => {
      const { task, link } = await startWithLink();
      expect((await http('PUT', api('/users/qm1'), { email: 'quinn@example.com', name: HOSTILE_NAME, roles: ['production'] })).status).to.equal(200);
      for (const reply of [await http('GET', link), await postForm(link, ASSESS_FORM)]) {
        expectReadablePage(reply, 403, /^This task is no longer assigned to you/);
        expect(reply.text).to.include('Quinn &lt;img');
        expect(reply.text).to.not.include(task.id);
      }
      expect((await taskOf(task.id)).status).to.equal('open');
      expect(await completions(task.id)).to.have.length(0);
      // given the role back, the same link opens the task again: nothing was revoked, the rule is checked on use
      expect((await http('PUT', api('/users/qm1'), { email: 'quinn@example.com', name: HOSTILE_NAME, roles: ['quality-manager'] })).status).to.equal(200);
      expect((await http('GET', link)).status).to.equal(200);
    });

    it('deactivating a person revokes their open links in the same audited commit (410)', async () => {
      const { task, emails } = await startWithLink();
      const carols = linkIn(emails.find((e) => addresses(e)[0] === 'carol@example.com')!);
      expect((await http('GET', carols)).status).to.equal(200);
      const open = (await server.imsflow.store.listLinkTokens(task.id)).filter((t) => t.userId === 'carol' && !t.revokedAt);
      expect(open).to.have.length(1);
      // links of earlier tasks that are still open (or only expired) count too
      const openBefore = (await server.imsflow.store.listOpenLinkTokensOfUser('carol')).length;
      expect(openBefore).to.be.at.least(2);

      const saved = await http('PUT', api('/users/carol'), { email: 'carol@example.com', name: 'Carol Deputy', roles: ['quality-manager'], active: false });
      expect(saved.status).to.equal(200);
      const tokens = (await server.imsflow.store.listLinkTokens(task.id)).filter((t) => t.userId === 'carol');
      expect(tokens.map((t) => t.revokedReason)).to.deep.equal(['account deactivated']);
      const audit = await server.imsflow.store.listAudit({ target: 'user:carol', limit: 1000 });
      const updated = audit.find((e) => e.action === 'user.updated' && (e.new as { active?: boolean }).active === false)!;
      const revoked = audit.find((e) => e.action === 'user.links-revoked')!;
      expect(revoked, 'an audit entry for the revoked links').to.not.equal(undefined);
      expect(revoked).to.deep.include({ actor: 'operator', at: updated.at, reason: 'account deactivated' });
      expect(revoked.old).to.deep.include({ openLinks: openBefore });
      expect(revoked.new).to.deep.include({ openLinks: 0 });
      expect(await server.imsflow.store.listOpenLinkTokensOfUser('carol')).to.deep.equal([]);
      expect(revoked.seq).to.equal(updated.seq + 1);

      for (const reply of [await http('GET', carols), await postForm(carols, ASSESS_FORM)]) {
        expectReadablePage(reply, 410, /^This link is no longer valid/);
        expect(reply.text).to.include('This link was for Carol Deputy, whose account is no longer active.');
        expect(reply.text).to.not.include(task.id);
        expect(reply.text).to.not.include('{');
      }
      expect((await taskOf(task.id)).status).to.equal('open');
      expect(await completions(task.id)).to.have.length(0);

      // given the account back, the revoked link stays revoked, and says why
      expect((await http('PUT', api('/users/carol'), { email: 'carol@example.com', name: 'Carol Deputy', roles: ['quality-manager'] })).status).to.equal(200);
      const again = await http('GET', carols);
      expectReadablePage(again, 410, /^This link is no longer valid/);
      expect(again.text).to.include('was deactivated after it was sent');
    });
  });
});

describe('TaskLinkSigner and resolveLink', () => {
  const signer = new TaskLinkSigner(TEST_SECRET);
  const now = new Date('2026-05-04T07:00:00Z');
  const record: LinkTokenRecord = { id: 'tok-1', taskId: 'task-1', userId: 'qm1', createdAt: now.toISOString(), expiresAt: '2026-06-03T07:00:00.000Z' };
  const openTask = { id: 'task-1', status: 'open', candidateRole: 'quality-manager', site: 'dublin' } as TaskRecord;
  const quinn: UserRecord = { id: 'qm1', email: 'quinn@example.com', name: 'Quinn', roles: ['quality-manager'], sites: ['dublin'], active: true, createdAt: now.toISOString() };
  const storeWith = (token: LinkTokenRecord | undefined, task: TaskRecord | null = openTask, user: UserRecord | null = quinn) => ({
    getLinkToken: async (id: string) => (token && token.id === id ? token : undefined),
    getTask: async (id: string) => (task && task.id === id ? task : undefined),
    getUser: async (id: string) => (user && user.id === id ? user : undefined),
  });

  it('signs claims that verify, and refuses every one-character change', () => {
    const token = signer.sign(record);
    expect(signer.verify(token)).to.deep.equal({ ok: true, claims: { tokenId: 'tok-1', taskId: 'task-1', userId: 'qm1', expiresAt: record.expiresAt } });
    for (let i = 0; i < token.length; i += 1) {
      if (token[i] === '.') continue;
      const changed = changeOne(token, i);
      expect(signer.verify(changed).ok, `changed at ${i}`).to.equal(false);
    }
    expect(new TaskLinkSigner(Buffer.alloc(32, 8)).verify(token)).to.deep.equal({ ok: false, reason: 'tampered' });
    expect(() => new TaskLinkSigner(Buffer.alloc(31))).to.throw(/at least 32 bytes/);
  });

  it('tells malformed from tampered', () => {
    const token = signer.sign(record);
    for (const bad of ['', 'abc', '.', `${token}.`, `.${token.split('.')[1]}`, 'a'.repeat(1001) + '.b']) {
      expect(signer.verify(bad), bad.slice(0, 20)).to.deep.equal({ ok: false, reason: 'malformed' });
    }
    // correctly signed, but not the claims a link carries
    const body = Buffer.from(JSON.stringify({ i: 1, t: 'x', u: 'y', e: 'z' })).toString('base64url');
    const mac = signer.sign(record).split('.')[1];
    expect(signer.verify(`${body}.${mac}`)).to.deep.equal({ ok: false, reason: 'tampered' });
  });

  it('checks the record and the task: unknown, used, revoked, expired, closed, in that order', async () => {
    const token = signer.sign(record);
    expect(await resolveLink(signer, storeWith(record), now, token)).to.deep.include({ ok: true });
    expect(await resolveLink(signer, storeWith(undefined), now, token)).to.deep.equal({ ok: false, reason: 'unknown' });
    expect(await resolveLink(signer, storeWith({ ...record, userId: 'someone-else' }), now, token)).to.deep.equal({ ok: false, reason: 'unknown' });
    expect(await resolveLink(signer, storeWith({ ...record, usedAt: now.toISOString(), revokedAt: now.toISOString() }), now, token)).to.deep.equal({ ok: false, reason: 'used' });
    expect(await resolveLink(signer, storeWith({ ...record, revokedAt: now.toISOString() }), new Date('2027-01-01'), token)).to.deep.equal({ ok: false, reason: 'revoked' });
    expect(await resolveLink(signer, storeWith(record), new Date(record.expiresAt), token)).to.deep.equal({ ok: false, reason: 'expired' });
    expect(await resolveLink(signer, storeWith(record), new Date(Date.parse(record.expiresAt) - 1), token)).to.deep.include({ ok: true });
    expect(await resolveLink(signer, storeWith(record, { ...openTask, status: 'completed' }), now, token)).to.deep.equal({ ok: false, reason: 'closed' });
    expect(await resolveLink(signer, storeWith(record, null), now, token)).to.deep.equal({ ok: false, reason: 'closed' });
  });

  it('honours a link only for an active holder of the task at its site', async () => {
    const token = signer.sign(record);
    const refusal = async (user: UserRecord | null, task: TaskRecord = openTask) => {
      const opened = await resolveLink(signer, storeWith(record, task, user), now, token);
      return opened.ok ? 'ok' : opened.reason;
    };
    expect(await refusal(quinn)).to.equal('ok');
    expect(await refusal({ ...quinn, active: false })).to.equal('inactive');
    expect(await refusal(null), 'a person no longer in the directory').to.equal('inactive');
    expect(await refusal({ ...quinn, sites: ['basel'] })).to.equal('other-site');
    expect(await refusal({ ...quinn, roles: ['production'] })).to.equal('not-holder');
    expect(await refusal(quinn, { ...openTask, assignee: 'bob' })).to.equal('not-holder');
    expect(await refusal({ ...quinn, roles: ['admin'] }, { ...openTask, assignee: 'bob' }), 'an admin holds no task they are not given').to.equal('not-holder');
    // a closed task says "closed" before anything about the person
    expect(await refusal({ ...quinn, active: false }, { ...openTask, status: 'completed' })).to.equal('closed');
  });

  it('says in words why a link is refused, naming the person and never an id', () => {
    const gone = describeRefusal({ ok: false, reason: 'inactive', person: 'Jane Doe' });
    expect(gone).to.deep.include({ status: 410, title: 'This link is no longer valid' });
    expect(gone.message).to.include('This link was for Jane Doe, whose account is no longer active.');
    const moved = describeRefusal({ ok: false, reason: 'not-holder', person: 'Jane Doe' });
    expect(moved).to.deep.include({ status: 403, title: 'This task is no longer assigned to you' });
    const site = describeRefusal({ ok: false, reason: 'other-site', person: 'Jane Doe' });
    expect(site.status).to.equal(403);
    expect(site.message).to.match(/site/);
    for (const r of [gone, moved, site]) expect(r.message).to.not.match(/qm1|task-1|tok-1/);
  });
});
